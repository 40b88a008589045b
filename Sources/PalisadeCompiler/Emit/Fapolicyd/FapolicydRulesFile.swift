import PalisadeModel

/// Renders the rules.d fragment: comments in column 1 (fagenrules strips only those), one rule
/// per line, LF endings, a final newline, no TAB anywhere.
///
/// Order (first match wins): denials, then allows that the trust file cannot carry, then the
/// trust rule, then the catch-all.
enum FapolicydRulesFile {
    static func render(_ plan: FapolicydPlan, customerID: String, mode: Mode) -> [UInt8] {
        var text = ByteBuffer(capacity: 1024 + (plan.denials.count + plan.allows.count) * 240)
        func line(_ value: String) {
            text.appendUTF8(value)
            text.append(0x0A)
        }
        line("# Palisade: fapolicyd 1.1.7 rules for customer '\(customerID)', mode \(mode.rawValue).")
        line("# Generated; do not edit: change the policy and rebuild. Install as")
        line("# /etc/fapolicyd/rules.d/\(FapolicydEmitter.rulesNumber)-palisade-\(customerID).rules, run fagenrules --load and restart")
        line("# fapolicyd (1.1.7 reads rules only at start). See INSTALL.md.")
        line("# Number \(FapolicydEmitter.rulesNumber): before Debian's 90-deny-execute, after any upstream sample rules")
        line("# (10-77) copied into rules.d, whose allows then win over these denials.")
        switch mode {
        case .enforce:
            line("# Enforce: denials are deny_log (syslog and audit); execution of anything else is denied.")
        case .audit:
            line("# Audit: nothing here blocks. What enforce mode would deny is allow_log (syslog and audit).")
        }
        var origin = ByteBuffer()
        func section(_ title: String, _ planned: FapolicydPlannedLines) {
            guard !planned.isEmpty else { return }
            line("#")
            line("# " + title)
            planned.text.withUnsafeBufferPointer { rules in
                for (bytes, source) in planned.lines {
                    origin.removeAll()
                    FapolicydPlan.origin(plan.sources[source], into: &origin)
                    text.appendUTF8("# ")
                    origin.withUnsafeBytes { Diagnostic.appendSingleLine($0, to: &text) }  // control characters as \xNN
                    text.append(0x0A)
                    text.append(bytes: UnsafeBufferPointer(rebasing: rules[bytes]))
                    text.append(0x0A)
                }
            }
        }
        section(mode == .enforce ? "Denied applications." : "Denied applications (audit: logged, not blocked).",
                plan.denials)
        section("Allowed applications that the trust file cannot carry.", plan.allows)
        line("#")
        line("# Allowed applications: files in trust.d/palisade-\(customerID) (and in any other trust source).")
        line(plan.trustRule.line)
        line(mode == .enforce ? "# Everything else is denied (fapolicyd allows what no rule matches)."
                              : "# Everything else would be denied in enforce mode: logged, allowed.")
        line(plan.catchAll.line)
        return text.array
    }
}
