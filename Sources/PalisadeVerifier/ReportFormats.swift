import PalisadeModel

/// Renders a ``VerifyReport`` for people (text) and CI systems (JUnit XML).
public enum ReportFormats {
    /// Problems one per line, then a summary line. Paths are shown with control characters escaped.
    public static func text(_ report: VerifyReport, verbose: Bool = false) -> String {
        var out = "palisade verify: customer \(report.customer), bundle \(report.bundle) (manifest \(report.manifestSHA256.prefix(16))), root \(report.root)\n"
        if !report.authenticated {
            out += "warning: the bundle is not authenticated (no --trusted-key): its origin is not proven\n"
        }
        for finding in report.findings where verbose || finding.kind.isProblem {
            var line = "\(finding.kind.rawValue): \(Diagnostic.singleLine(finding.message))"
            if let expected = finding.expected, let actual = finding.actual, finding.kind != .ok {
                line += " (expected \(Diagnostic.singleLine(expected)), found \(Diagnostic.singleLine(actual)))"
            }
            if let rule = finding.rule { line += " [\(rule)]" }
            out += line + "\n"
        }
        let counts = Finding.Kind.allCases.compactMap { kind -> String? in
            let n = report.summary[kind.rawValue] ?? 0
            return n == 0 && kind != .ok ? nil : "\(n) \(kind.rawValue)"
        }
        out += "summary: \(counts.joined(separator: ", ")) → \(report.compliant ? "COMPLIANT" : "NOT COMPLIANT")\n"
        return out
    }

    /// One test suite per check (file, scan, fapolicyd, apparmor…), one test case per finding;
    /// every problem is a failed test case, so CI systems list each one. Each suite names the
    /// bundle's manifest by its hash in a property.
    public static func junit(_ report: VerifyReport) -> String {
        let groups = Dictionary(grouping: report.findings, by: \.check)
        let failures = report.findings.filter { $0.kind.isProblem }.count
        var out = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        out += #"<testsuites name="palisade verify \#(xml(report.customer))" tests="\#(report.findings.count)" failures="\#(failures)">"# + "\n"
        for check in groups.keys.sorted() {
            let findings = groups[check]!
            let suiteFailures = findings.filter { $0.kind.isProblem }.count
            out += #"  <testsuite name="\#(xml(check))" tests="\#(findings.count)" failures="\#(suiteFailures)">"# + "\n"
            out += #"    <properties><property name="manifest-sha256" value="\#(report.manifestSHA256)"/></properties>"# + "\n"
            for finding in findings {
                let name = finding.path ?? finding.message
                out += #"    <testcase classname="palisade.\#(xml(report.customer)).\#(xml(check))" name="\#(xml(name))""#
                if finding.kind.isProblem {
                    out += ">\n"
                    var body = finding.message
                    if let expected = finding.expected { body += "\nexpected: \(expected)" }
                    if let actual = finding.actual { body += "\nactual: \(actual)" }
                    if let rule = finding.rule { body += "\nrule: \(rule)" }
                    out += #"      <failure type="\#(finding.kind.rawValue)" message="\#(xml(finding.message))">\#(xml(body))</failure>"# + "\n"
                    out += "    </testcase>\n"
                } else {
                    out += "/>\n"
                }
            }
            out += "  </testsuite>\n"
        }
        out += "</testsuites>\n"
        return out
    }

    static func xml(_ text: String) -> String { XMLText.escaped(text) }
}


extension ReportFormats {
    /// The findings of a report as the canonical JSON encoder writes the elements of the report's
    /// `findings` array (sorted keys, two-space indentation at depth 2, absent values left out, `/`
    /// unescaped), joined by `,\n`, without the brackets. The CLI splices this into the encoded rest
    /// of the report: encoding 100,000 findings through JSONEncoder took seconds.
    public static func canonicalJSONFindings(_ findings: [Finding]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(findings.count * 512)
        for (n, finding) in findings.enumerated() {
            if n > 0 { out.append(contentsOf: ",\n".utf8) }
            out.append(contentsOf: "    {\n".utf8)
            var first = true
            func member(_ key: StaticString, _ value: String?) {
                guard let value else { return }
                if !first { out.append(contentsOf: ",\n".utf8) }
                first = false
                out.append(contentsOf: "      \"".utf8)
                out.append(contentsOf: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
                out.append(contentsOf: "\" : ".utf8)
                appendJSONString(value, to: &out)
            }
            member("actual", finding.actual)
            member("check", finding.check)
            member("expected", finding.expected)
            member("kind", finding.kind.rawValue)
            member("message", finding.message)
            member("path", finding.path)
            member("rule", finding.rule)
            out.append(contentsOf: "\n    }".utf8)
        }
        return out
    }

    /// A JSON string as JSONEncoder writes it with `.withoutEscapingSlashes`: `"` and `\` escaped,
    /// \b \t \n \f \r, other control characters as \u00xx (lower-case hex), everything else as is.
    static func appendJSONString(_ string: String, to out: inout [UInt8]) {
        PrettyJSONWriter.appendString(string, to: &out)
    }
}
