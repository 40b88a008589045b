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
    let mode: Mode
    /// The rules the plan was made from.
    let sources: [ResolvedRule]
    private(set) var denials = FapolicydPlannedLines()
    private(set) var allows = FapolicydPlannedLines()
    private(set) var trustEntries: [FapolicydTrustFile.Entry] = []
    private(set) var trustLines: [String] = []
    private(set) var diagnostics: [Diagnostic] = []

    /// The decision for what enforce mode denies: `deny_log`, or `allow_log` in audit mode.
    var wouldDeny: FapolicydRule.Decision { mode == .enforce ? .denyLog : .allowLog }

    /// Allows everything listed in any trust source (Palisade's trust.d file among them).
    var trustRule: FapolicydRule { FapolicydRule(.allow, .trusted) }
    /// fapolicyd allows what no rule matched: the fragment ends with this.
    var catchAll: FapolicydRule { FapolicydRule(wouldDeny, .all) }

    init(_ rules: [ResolvedRule], mode: Mode) {
        self.mode = mode
        self.sources = rules
        var trustCandidates: [ExactString: [Int]] = [:]  // path bytes → indices into `rules`
        for index in rules.indices where rules[index].platform == .linux {
            if let hash = rules[index].sha256, !FapolicydValue.isLowerHexSHA256(hash) {
                error(index, "its sha256 '\(hash)' is not 64 lower-case hex digits")
                continue
            }
            switch rules[index].decision {
            case .deny: planDenial(index)
            case .allow:
                if let hash = rules[index].sha256, rules[index].size != nil, let path = rules[index].path,
                   rules[index].pathMatch != .directory, !hash.isEmpty {
                    for spelling in MergedUsr.spellings(of: path) {
                        trustCandidates[ExactString(spelling), default: []].append(index)
                    }
                } else {
                    planAllow(index)
                }
            }
        }
        planTrust(trustCandidates)
        // Two rules can make the same line (two denials of one hash at different paths, say).
        denials.removeRepeats()
        allows.removeRepeats()
    }

    /// The rule's path as `path=` or `dir=` objects, or why it cannot be one: the path as written
    /// and, under `/bin`, `/sbin` or `/lib*`, under `/usr` too, the path fapolicyd sees on a
    /// merged-/usr host (see ``MergedUsr``).
    private func pathObjects(_ index: Int) -> (objects: [FapolicydRule.Object], problem: String?) {
        guard let path = sources[index].path else { return ([], nil) }
        // (The policy checks refuse it too; this keeps it out of the rules file on its own.)
        guard path.utf8.first == UInt8(ascii: "/") else { return ([], "is not absolute") }
        var objects: [FapolicydRule.Object] = []
        for spelling in MergedUsr.spellings(of: path) {
            if sources[index].pathMatch == .directory {
                let dir = spelling.utf8.last == UInt8(ascii: "/") ? spelling : spelling + "/"
                if let problem = FapolicydValue.ruleValueProblem(dir) { return ([], problem) }
                objects.append(.dir(dir))
            } else {
                if let problem = FapolicydValue.ruleValueProblem(spelling) { return ([], problem) }
                objects.append(.path(spelling))
            }
        }
        return (objects, nil)
    }

    // Rules are read as `sources[index]` throughout: a local copy of a rule retains each of its strings.

    private mutating func planDenial(_ index: Int) {
        let (objects, problem) = pathObjects(index)
        let hash = sources[index].sha256
        if let hash { denials.append(FapolicydRule(wouldDeny, .sha256(hash)), source: index) }
        if !objects.isEmpty {
            for object in objects { denials.append(FapolicydRule(wouldDeny, object), source: index) }
        } else if let problem {
            if hash != nil {
                warning(index, "its path \(problem) in a fapolicyd 1.1.7 rule; it is denied by its sha256 only (any path)")
            } else {
                error(index, "its path \(problem) in a fapolicyd 1.1.7 rule, and it has no hash to match instead; deny it by binary or sha256")
            }
        } else if hash == nil {
            error(index, "it names neither a path nor a hash, so fapolicyd cannot match it")
        }
    }

    private mutating func planAllow(_ index: Int) {
        let (objects, problem) = pathObjects(index)
        switch (sources[index].sha256, objects.first, problem) {
        case (let hash?, _?, _):
            for object in objects { allows.append(FapolicydRule(.allow, object, .sha256(hash)), source: index) }
        case (let hash?, nil, let problem?):
            warning(index, "its path \(problem) in a fapolicyd 1.1.7 rule; it is allowed by its sha256 only (any path)")
            allows.append(FapolicydRule(.allow, .sha256(hash)), source: index)
        case (let hash?, nil, nil):
            allows.append(FapolicydRule(.allow, .sha256(hash)), source: index)
        case (nil, _?, _):
            for object in objects { allows.append(FapolicydRule(.allow, object), source: index) }
        case (nil, nil, let problem?):
            error(index, "its path \(problem) in a fapolicyd 1.1.7 rule, and it has no hash to match instead; allow it by binary or sha256")
        case (nil, nil, nil):
            error(index, "it names neither a path nor a hash, so fapolicyd cannot match it")
        }
    }

    /// One trust line per path. Another content allowed at the same path (the trust file holds
    /// one per path) is allowed exactly by a `path= sha256hash=` rule.
    private mutating func planTrust(_ candidates: [ExactString: [Int]]) {
        for key in candidates.keys.sorted() {
            let indices = candidates[key]!
            let path = key.string
            var seen = Set<String>()
            var trusted = false
            for index in indices {
                guard let hash = sources[index].sha256, let size = sources[index].size,
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
                        warning(index, "its path \(problem) in a fapolicyd 1.1.7 trust file; it is allowed by its sha256 only (any path)")
                        allows.append(FapolicydRule(.allow, .sha256(hash)), source: index)
                        continue
                    }
                }
                if FapolicydValue.ruleValueProblem(path) == nil {
                    allows.append(FapolicydRule(.allow, .path(path), .sha256(hash)), source: index)
                } else {
                    warning(index, "the trust file already lists other content at this path, and the path cannot be written in a fapolicyd 1.1.7 rule; this content is allowed by its sha256 only (any path)")
                    allows.append(FapolicydRule(.allow, .sha256(hash)), source: index)
                }
            }
        }
    }

    private mutating func warning(_ index: Int, _ text: String) {
        let rule = sources[index]
        diagnostics.append(.warning("\(Self.describe(rule)): \(text)", at: rule.provenance.location, backend: .fapolicyd))
    }

    private mutating func error(_ index: Int, _ text: String) {
        let rule = sources[index]
        diagnostics.append(.error("\(Self.describe(rule)): \(text)", at: rule.provenance.location, backend: .fapolicyd))
    }

    /// e.g. `deny binary '/usr/local/bin/remote-support'`.
    static func describe(_ rule: ResolvedRule) -> String {
        var text: [UInt8] = []
        describe(rule, into: &text)
        return String(decoding: text, as: UTF8.self)
    }

    static func describe<Sink: ByteSink & ~Copyable>(_ rule: ResolvedRule, into text: inout Sink) {
        text.appendUTF8(rule.decision.rawValue)
        text.append(0x20)
        text.appendUTF8(rule.provenance.source)
        if let path = rule.path {
            text.appendUTF8(" '")
            text.appendUTF8(path)
            text.append(0x27)
        }
        if let hash = rule.sha256 {
            text.appendUTF8(" sha256 ")
            // The first 12 characters: the first 12 bytes when the first 13 are printable ASCII
            // (each its own character then), as for every well-formed hash.
            let isPrintable = { (byte: UInt8) in byte >= 0x20 && byte < 0x7F }
            let printableHead = hash.utf8.withContiguousStorageIfAvailable { $0.prefix(13).allSatisfy(isPrintable) }
                ?? hash.utf8.prefix(13).allSatisfy(isPrintable)
            if printableHead {
                text.appendUTF8(hash, maxBytes: 12)
            } else {
                text.appendUTF8(String(hash.prefix(12)))
            }
            text.appendUTF8("…")
        }
    }

    /// The comment above a rule: where it was written and what it is, e.g.
    /// `policies/acme.swift:12 deny binary '/usr/local/bin/x' sha256 0123456789ab… (reason)`.
    static func origin<Sink: ByteSink & ~Copyable>(_ rule: ResolvedRule, into text: inout Sink) {
        text.appendUTF8(rule.provenance.location.file)
        text.append(0x3A)
        text.appendDecimal(rule.provenance.location.line)
        text.append(0x20)
        describe(rule, into: &text)
        if let reason = rule.provenance.reason {
            text.appendUTF8(" (")
            text.appendUTF8(reason)
            text.append(0x29)
        }
    }
}
