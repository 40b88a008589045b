import Foundation

/// `verify --format jsonl`: one compact JSON object per line, for log pipelines and SIEMs. A
/// pretty-printed document reaches the journal and syslog as one message per line (fragments like
/// `"kind" : "unlisted",`); here every line is a whole event that names the customer and the host
/// root, so it can be searched and kept on its own. Problems (every finding with `verbose`) come
/// first, one per line, then a `summary` line.
extension ReportFormats {
    struct FindingLine: Encodable {
        var record = "finding"
        var schemaVersion: Int
        var customer: String
        var root: String
        var bundle: String
        var authenticated: Bool
        var kind: String
        var check: String
        var path: String?
        var expected: String?
        var actual: String?
        var rule: String?
        var message: String
    }

    struct SummaryLine: Encodable {
        var record = "summary"
        var schemaVersion: Int
        var customer: String
        var root: String
        var bundle: String
        var authenticated: Bool
        var scanned: [String]
        var summary: [String: Int]
        var compliant: Bool
    }

    public static func jsonLines(_ report: VerifyReport, verbose: Bool = false) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var out: [UInt8] = []
        for finding in report.findings where verbose || finding.kind.isProblem {
            let line = FindingLine(schemaVersion: report.schemaVersion, customer: report.customer, root: report.root,
                                   bundle: report.bundle, authenticated: report.authenticated, kind: finding.kind.rawValue,
                                   check: finding.check, path: finding.path, expected: finding.expected,
                                   actual: finding.actual, rule: finding.rule, message: finding.message)
            out += try encoder.encode(line)
            out.append(0x0A)
        }
        out += try encoder.encode(SummaryLine(schemaVersion: report.schemaVersion, customer: report.customer, root: report.root,
                                              bundle: report.bundle, authenticated: report.authenticated,
                                              scanned: report.scanned, summary: report.summary, compliant: report.compliant))
        out.append(0x0A)
        return out
    }
}
