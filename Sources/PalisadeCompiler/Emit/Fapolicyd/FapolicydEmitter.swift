import PalisadeModel

/// fapolicyd 1.1.7 (Debian bookworm): a rules.d fragment and a trust.d file per customer.
///
/// - Allowed files with a hash, a size and a path go into `trust.d/palisade-<id>` and are allowed
///   by one `allow perm=execute all : trust=1` rule.
/// - Other allows become rules: `path=` / `dir=` (path or directory only), `path= sha256hash=`
///   (vendor hash with its path), `sha256hash=` (hash only).
/// - Denied files are matched by `sha256hash=` and, where 1.1.7 can write the path, also by
///   `path=` / `dir=`. All denials come before all allows (first match wins), so a denial is
///   never overridden by an allow of this customer.
/// - The fragment ends with a catch-all: in enforce mode `deny_log perm=execute all : all`
///   (fapolicyd allows what no rule matched). In audit mode every would-be denial, the catch-all
///   included, is `allow_log` instead: the fragment blocks nothing whatever `permissive` says,
///   and each would-be denial is logged (syslog, plus a FANOTIFY audit record with auditd), with
///   the same rules in the same order as enforce mode. `permissive = 1` is host-wide and would
///   also silence other rules' denials, so the bundle does not depend on it (INSTALL.md still
///   recommends it for a first deployment).
///
/// A path that a rule cannot carry (space, comma, control characters, `=`, …) is never written:
/// with a hash to fall back on it becomes a warning and the rule matches by hash alone; without
/// one it is an error. See ``FapolicydValue``.
public struct FapolicydEmitter: BackendEmitter {
    public var backend: Backend { .fapolicyd }
    public init() {}

    /// The rules.d number. fagenrules concatenates rules.d in version order and the first match
    /// wins, so 80 puts the fragment after every stock rule that keeps the system running
    /// (10 language macros, 20 dracut and 21 package-updater loopholes, 30 ld_so pattern,
    /// 40–43 ELF and shared-library rules, 70–77 interpreters) and before 90-deny-execute,
    /// 91-deny-lang and 95-allow-open. Our catch-all therefore never pre-empts a stock allow the
    /// system needs, and in audit mode it shadows 90-deny-execute. The cost, documented in
    /// INSTALL.md: stock allows numbered below 80 (20-dracut for root, 42-trusted-elf for trusted
    /// files, 72-shell for shell scripts) take effect before Palisade's denials.
    public static let rulesNumber = 80

    public static func rulesFile(for customerID: String) -> String {
        "fapolicyd/rules.d/\(rulesNumber)-palisade-\(customerID).rules"
    }

    public static func trustFile(for customerID: String) -> String { "fapolicyd/trust.d/palisade-\(customerID)" }

    public func emit(_ customer: ResolvedCustomer) -> EmitterOutput {
        let linux = customer.rules(for: .linux)
        guard !linux.isEmpty else { return EmitterOutput() }
        if let problem = CustomerIDCheck.problem(with: customer.id) {
            return EmitterOutput(diagnostics: [.error("customer id '\(customer.id)' \(problem); it names the fapolicyd files",
                                                      at: customer.location, backend: .fapolicyd)])
        }
        let mode = customer.mode(for: .fapolicyd)
        let plan = FapolicydPlan(linux, mode: mode)

        var files: [String: [UInt8]] = [:]
        let rulesPath = Self.rulesFile(for: customer.id)
        let trustPath = Self.trustFile(for: customer.id)
        files[rulesPath] = FapolicydRulesFile.render(plan, customerID: customer.id, mode: mode)
        if !plan.trustLines.isEmpty {
            files[trustPath] = FapolicydTrustFile.render(plan.trustLines, customerID: customer.id)
        }

        // Defence in depth: what we write must pass our own lint of 1.1.7's grammar and traps.
        var diagnostics = plan.diagnostics
        for (path, bytes) in files.sorted(by: { $0.key < $1.key }) {
            let findings = path == rulesPath ? FapolicydLint.rules(bytes) : FapolicydLint.trust(bytes)
            if !findings.isEmpty {
                diagnostics.append(.error("internal error: generated \(path) fails the fapolicyd 1.1.7 lint: "
                                          + findings.map(\.description).joined(separator: "; "),
                                          at: customer.location, backend: .fapolicyd))
            }
        }
        return EmitterOutput(files: files, diagnostics: diagnostics,
                             installNotes: FapolicydInstallNotes.render(customerID: customer.id, mode: mode,
                                                                        hasTrustFile: files[trustPath] != nil))
    }
}

/// The mapping from resolved rules to fapolicyd rules and trust entries, with its diagnostics.
struct FapolicydPlan {
    struct Planned {
        var rule: FapolicydRule
        /// `rule.line`, rendered once.
        var line: String
        /// Where it came from, for the comment above it: an index into `sources`.
        var source: Int
    }

    let mode: Mode
    /// The rules the plan was made from.
    let sources: [ResolvedRule]
    private(set) var denials: [Planned] = []
    private(set) var allows: [Planned] = []
    private(set) var trustEntries: [FapolicydTrustFile.Entry] = []
    private(set) var trustLines: [String] = []
    private(set) var diagnostics: [Diagnostic] = []
    private var seenLines = Set<String>()

    /// The decision for what enforce mode denies: `deny_log`, or `allow_log` in audit mode.
    var wouldDeny: FapolicydRule.Decision { mode == .enforce ? .denyLog : .allowLog }

    /// Allows everything listed in any trust source (Palisade's trust.d file among them).
    var trustRule: FapolicydRule { FapolicydRule(.allow, [.trusted]) }
    /// fapolicyd allows what no rule matched: the fragment ends with this.
    var catchAll: FapolicydRule { FapolicydRule(wouldDeny, [.all]) }

    init(_ rules: [ResolvedRule], mode: Mode) {
        self.mode = mode
        self.sources = rules
        seenLines.reserveCapacity(rules.count)
        var trustCandidates: [String: [Int]] = [:]  // path → indices into `rules`
        for index in rules.indices where rules[index].platform == .linux {
            if let hash = rules[index].sha256, !FapolicydValue.isLowerHexSHA256(hash) {
                error(rules[index], "its sha256 '\(hash)' is not 64 lower-case hex digits")
                continue
            }
            switch rules[index].decision {
            case .deny: planDenial(index)
            case .allow:
                if let hash = rules[index].sha256, rules[index].size != nil, let path = rules[index].path,
                   rules[index].pathMatch != .directory, !hash.isEmpty {
                    trustCandidates[path, default: []].append(index)
                } else {
                    planAllow(index)
                }
            }
        }
        planTrust(trustCandidates)
    }

    /// The rule's path as a `path=` or `dir=` object, or why it cannot be one.
    private func pathObject(_ rule: ResolvedRule) -> (object: FapolicydRule.Object?, problem: String?) {
        guard let path = rule.path else { return (nil, nil) }
        if rule.pathMatch == .directory {
            let dir = path.hasSuffix("/") ? path : path + "/"
            if let problem = FapolicydValue.ruleValueProblem(dir) { return (nil, problem) }
            return (.dir(dir), nil)
        }
        if let problem = FapolicydValue.ruleValueProblem(path) { return (nil, problem) }
        return (.path(path), nil)
    }

    private mutating func planDenial(_ index: Int) {
        let rule = sources[index]
        let (object, problem) = pathObject(rule)
        if let hash = rule.sha256 { add(.denials, FapolicydRule(wouldDeny, [.sha256(hash)]), index) }
        if let object {
            add(.denials, FapolicydRule(wouldDeny, [object]), index)
        } else if let problem {
            if rule.sha256 != nil {
                warning(rule, "its path \(problem) in a fapolicyd 1.1.7 rule; it is denied by its sha256 only (any path)")
            } else {
                error(rule, "its path \(problem) in a fapolicyd 1.1.7 rule, and it has no hash to match instead; deny it by binary or sha256")
            }
        } else if rule.sha256 == nil {
            error(rule, "it names neither a path nor a hash, so fapolicyd cannot match it")
        }
    }

    private mutating func planAllow(_ index: Int) {
        let rule = sources[index]
        let (object, problem) = pathObject(rule)
        switch (rule.sha256, object, problem) {
        case (let hash?, let object?, _):
            add(.allows, FapolicydRule(.allow, [object, .sha256(hash)]), index)
        case (let hash?, nil, let problem?):
            warning(rule, "its path \(problem) in a fapolicyd 1.1.7 rule; it is allowed by its sha256 only (any path)")
            add(.allows, FapolicydRule(.allow, [.sha256(hash)]), index)
        case (let hash?, nil, nil):
            add(.allows, FapolicydRule(.allow, [.sha256(hash)]), index)
        case (nil, let object?, _):
            add(.allows, FapolicydRule(.allow, [object]), index)
        case (nil, nil, let problem?):
            error(rule, "its path \(problem) in a fapolicyd 1.1.7 rule, and it has no hash to match instead; allow it by binary or sha256")
        case (nil, nil, nil):
            error(rule, "it names neither a path nor a hash, so fapolicyd cannot match it")
        }
    }

    /// One trust line per path. Another content allowed at the same path (the trust file holds
    /// one per path) is allowed exactly by a `path= sha256hash=` rule.
    private mutating func planTrust(_ candidates: [String: [Int]]) {
        let paths = candidates.keys.sorted { ByteOrder.precedes($0, $1) == true }
        for path in paths {
            let indices = candidates[path]!
            var seen = Set<String>()
            var trusted = false
            for index in indices {
                let rule = sources[index]
                guard let hash = rule.sha256, let size = rule.size,
                      indices.count == 1 || seen.insert("\(hash) \(size)").inserted else { continue }
                let entry = FapolicydTrustFile.Entry(path: path, size: size, sha256: hash)
                if !trusted {
                    switch FapolicydTrustFile.line(for: entry) {
                    case .success(let line):
                        trustEntries.append(entry)
                        trustLines.append(line)
                        trusted = true
                        continue
                    case .failure(let problem):
                        warning(rule, "its path \(problem) in a fapolicyd 1.1.7 trust file; it is allowed by its sha256 only (any path)")
                        add(.allows, FapolicydRule(.allow, [.sha256(hash)]), index)
                        continue
                    }
                }
                if FapolicydValue.ruleValueProblem(path) == nil {
                    add(.allows, FapolicydRule(.allow, [.path(path), .sha256(hash)]), index)
                } else {
                    warning(rule, "the trust file already lists other content at this path, and the path cannot be written in a fapolicyd 1.1.7 rule; this content is allowed by its sha256 only (any path)")
                    add(.allows, FapolicydRule(.allow, [.sha256(hash)]), index)
                }
            }
        }
    }

    private enum Section { case denials, allows }

    private mutating func add(_ section: Section, _ rule: FapolicydRule, _ source: Int) {
        let line = rule.line
        guard seenLines.insert(line).inserted else { return }
        let planned = Planned(rule: rule, line: line, source: source)
        switch section {
        case .denials: denials.append(planned)
        case .allows: allows.append(planned)
        }
    }

    private mutating func warning(_ rule: ResolvedRule, _ text: String) {
        diagnostics.append(.warning("\(Self.describe(rule)): \(text)", at: rule.provenance.location, backend: .fapolicyd))
    }

    private mutating func error(_ rule: ResolvedRule, _ text: String) {
        diagnostics.append(.error("\(Self.describe(rule)): \(text)", at: rule.provenance.location, backend: .fapolicyd))
    }

    /// e.g. `deny binary '/usr/local/bin/remote-support'`.
    static func describe(_ rule: ResolvedRule) -> String {
        var text: [UInt8] = []
        describe(rule, into: &text)
        return String(decoding: text, as: UTF8.self)
    }

    static func describe(_ rule: ResolvedRule, into text: inout [UInt8]) {
        text += rule.decision.rawValue.utf8
        text.append(0x20)
        text += rule.provenance.source.utf8
        if let path = rule.path {
            text += " '".utf8
            text += path.utf8
            text.append(0x27)
        }
        if let hash = rule.sha256 {
            text += " sha256 ".utf8
            text += hash.prefix(12).utf8
            text += "…".utf8
        }
    }

    /// The comment above a rule: where it was written and what it is, e.g.
    /// `policies/acme.swift:12 deny binary '/usr/local/bin/x' sha256 0123456789ab… (reason)`.
    static func origin(_ rule: ResolvedRule, into text: inout [UInt8]) {
        text += rule.provenance.location.file.utf8
        text.append(0x3A)
        text += String(rule.provenance.location.line).utf8
        text.append(0x20)
        describe(rule, into: &text)
        if let reason = rule.provenance.reason {
            text += " (".utf8
            text += reason.utf8
            text.append(0x29)
        }
    }
}
