import Foundation

/// `verify --format jsonl`: one compact JSON object per line, for log pipelines and SIEMs. A
/// pretty-printed document reaches the journal and syslog as one message per line (fragments like
/// `"kind" : "unlisted",`); here every line is a whole event that names the customer and the host
/// root, so it can be searched and kept on its own. Problems (every finding with `verbose`) come
/// first, one per line, then a `summary` line.
extension ReportFormats {
    /// One line: the run's context, then a finding's fields or the summary's (absent ones are
    /// left out by the encoder).
    struct Line: Encodable {
        var record: String
        var schemaVersion: Int
        var customer: String
        var root: String
        var bundle: String
        var manifestSHA256: String
        var authenticated: Bool
        var kind: String?
        var check: String?
        var path: String?
        var expected: String?
        var actual: String?
        var rule: String?
        var message: String?
        var scanned: [String]?
        var summary: [String: Int]?
        var compliant: Bool?

        init(_ record: String, _ report: VerifyReport) {
            self.record = record
            schemaVersion = report.schemaVersion
            customer = report.customer
            root = report.root
            bundle = report.bundle
            manifestSHA256 = report.manifestSHA256
            authenticated = report.authenticated
        }
    }

    public static func jsonLines(_ report: VerifyReport, verbose: Bool = false) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var out: [UInt8] = []
        for finding in report.findings where verbose || finding.kind.isProblem {
            var line = Line("finding", report)
            (line.kind, line.check, line.path) = (finding.kind.rawValue, finding.check, finding.path)
            (line.expected, line.actual, line.rule, line.message) = (finding.expected, finding.actual, finding.rule, finding.message)
            out += try encoder.encode(line)
            out.append(0x0A)
        }
        var summary = Line("summary", report)
        (summary.scanned, summary.summary, summary.compliant) = (report.scanned, report.summary, report.compliant)
        out += try encoder.encode(summary)
        out.append(0x0A)
        return out
    }
}
