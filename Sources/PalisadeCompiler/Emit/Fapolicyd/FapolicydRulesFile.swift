import PalisadeModel

/// Renders the rules.d fragment: comments in column 1 (fagenrules strips only those), one rule
/// per line, LF endings, a final newline, no TAB anywhere.
///
/// Order (first match wins): denials, then allows that the trust file cannot carry, then the
/// trust rule, then the catch-all.
enum FapolicydRulesFile {
    static func render(_ plan: FapolicydPlan, customerID: String, mode: Mode) -> [UInt8] {
        var lines: [String] = [
            "# Palisade: fapolicyd 1.1.7 rules for customer '\(customerID)', mode \(mode.rawValue).",
            "# Generated; do not edit: change the policy and rebuild. Install as",
            "# /etc/fapolicyd/rules.d/\(FapolicydEmitter.rulesNumber)-palisade-\(customerID).rules, run fagenrules --load and restart",
            "# fapolicyd (1.1.7 reads rules only at start). See INSTALL.md.",
            "# Number \(FapolicydEmitter.rulesNumber): after the stock rules that keep the system running (dracut and updater",
            "# loopholes, ld_so pattern, ELF and interpreter rules) and before 90-deny-execute.",
        ]
        switch mode {
        case .enforce:
            lines.append("# Enforce: denials are deny_log (syslog and audit); execution of anything else is denied.")
        case .audit:
            lines.append("# Audit: nothing here blocks. What enforce mode would deny is allow_log (syslog and audit).")
        }
        func section(_ title: String, _ planned: [FapolicydPlan.Planned]) {
            guard !planned.isEmpty else { return }
            lines.append("#")
            lines.append("# " + title)
            for item in planned {
                lines.append("# " + comment(item.origin))
                lines.append(item.line)
            }
        }
        section(mode == .enforce ? "Denied applications." : "Denied applications (audit: logged, not blocked).",
                plan.denials)
        section("Allowed applications that the trust file cannot carry.", plan.allows)
        lines.append("#")
        lines.append("# Allowed applications: files in trust.d/palisade-\(customerID) (and in any other trust source).")
        lines.append(plan.trustRule.line)
        lines.append(mode == .enforce ? "# Everything else is denied (fapolicyd allows what no rule matches)."
                                      : "# Everything else would be denied in enforce mode: logged, allowed.")
        lines.append(plan.catchAll.line)
        return Array((lines.joined(separator: "\n") + "\n").utf8)
    }

    /// Comment text on one line: control characters (TAB, CR, LF among them) shown as `\xNN`.
    static func comment(_ text: String) -> String { Diagnostic.singleLine(text) }
}
