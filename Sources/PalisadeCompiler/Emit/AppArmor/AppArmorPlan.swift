import PalisadeModel

/// What the profile must say, worked out from a customer's Linux rules before any text is written:
/// the exec rules, the paths that must stay unwritable, the login shells, and what cannot be said.
///
/// Every allow is `ix` and every deny a bare `x`, so no two rules can carry conflicting exec
/// modes, and no rule names a transition target (`->`): the 12-target limit is never reached.
struct AppArmorPlan {
    /// Allowed code: `ix` (transitive: whatever it starts is checked against the same profile).
    /// `m` is added for everything but scripts (shared libraries in an allowed tree or directory
    /// must be mappable; an allowed file can already be run, so `m` on it grants nothing new).
    /// Scripts get `r`, which their interpreter needs under the inherited profile.
    struct Allow {
        var mapsCode: Bool
        var sources: [SourceLocation]
        var permissions: String { mapsCode ? "mrix" : "rix" }
    }

    var allows = InsertionOrderedTable<AppArmorPattern, Allow>()
    /// Denied executables: `audit deny … x` (deny beats every allow, and the attempt is logged).
    var denies = InsertionOrderedTable<AppArmorPattern, [SourceLocation]>()
    /// Attachment paths (with their merged-/usr spellings), in byte order; allowed `ix` too.
    var loginShells: [[UInt8]] = []
    /// Where code may run: nothing here may be written, linked or renamed from inside the profile.
    var writeProtected = InsertionOrderedTable<AppArmorPattern, Void>()
    /// Directories above allowed code (ending in `/`): may not be renamed, removed or re-created.
    var protectedAncestors = InsertionOrderedTable<[UInt8], Void>()
    /// The deepest ancestor `protect` added last (all above it are in the set too).
    private var lastProtectedParent: [UInt8] = []
    var diagnostics: [Diagnostic] = []

    init(_ customer: ResolvedCustomer) {
        let rules = customer.rules(for: .linux)
        allows = InsertionOrderedTable(minimumCapacity: rules.count)
        writeProtected = InsertionOrderedTable(minimumCapacity: rules.count)
        for index in rules.indices { add(rules[index]) }

        for shell in customer.linuxConfinement?.loginShells ?? [] {
            if let problem = AppArmorEncoding.problem(withPath: shell)
                ?? EndpointPathCheck.problem(with: shell, platform: .linux)
                ?? (shell.hasSuffix("/") ? "names a directory" : nil) {
                diagnostics.append(.error("login shell '\(shell)' for customer '\(customer.id)' \(problem)",
                                          at: customer.location, backend: .apparmor))
                continue
            }
            for spelling in MergedUsr.spellings(of: Array(shell.utf8)) where !loginShells.contains(spelling) {
                loginShells.append(spelling)
                protect(.file(spelling))
            }
        }
        loginShells.sort { $0.lexicographicallyPrecedes($1) }

        // A denied login shell: the profile still attaches when an unconfined process starts it,
        // but the confined session cannot start the shell again.
        for shell in loginShells {
            for (pattern, sources) in denies.sorted() where pattern.covers(shell) {
                diagnostics.append(.warning("login shell '\(String(decoding: shell, as: UTF8.self))' is denied here: the profile attaches to it, but confined sessions cannot start it again",
                                            at: sources.min(), backend: .apparmor))
            }
        }
    }

    private mutating func add(_ rule: ResolvedRule) {
        let at = rule.provenance.location
        var name: String { AppArmorPlan.describe(rule) }  // for diagnostics only
        guard let path = rule.path else {
            if rule.sha256 != nil {
                diagnostics.append(.warning("hash-only rule (\(name)) cannot be enforced by AppArmor, which matches paths, not content; verify checks the hash",
                                            at: at, backend: .apparmor))
            }
            return
        }
        if let problem = AppArmorEncoding.problem(withPath: path) {
            diagnostics.append(.error("\(name): the path \(problem)", at: at, backend: .apparmor))
            return
        }
        let isDirectory = rule.pathMatch == .directory
        if isDirectory && !path.hasSuffix("/") {
            diagnostics.append(.error("\(name): a directory rule's path must end with '/'", at: at, backend: .apparmor))
            return
        }
        let literal = Array(path.utf8)
        add(literal, rule, isDirectory: isDirectory, at: at)
        if let usr = MergedUsr.usrSpelling(of: literal) { add(usr, rule, isDirectory: isDirectory, at: at) }
    }

    /// One spelling of a rule's path.
    private mutating func add(_ spelling: [UInt8], _ rule: ResolvedRule, isDirectory: Bool, at: SourceLocation) {
        let pattern: AppArmorPattern = isDirectory ? .below(spelling) : .file(spelling)
        switch rule.decision {
        case .deny:
            denies.update(pattern, initial: []) { $0.append(at) }
        case .allow:
            let mapsCode = rule.fileKind != .script
            allows.update(pattern, initial: Allow(mapsCode: false, sources: [])) { entry in
                entry.mapsCode = entry.mapsCode || mapsCode
                entry.sources.append(at)
            }
            protect(isDirectory ? .selfAndBelow(spelling) : .file(spelling))
        }
    }

    private mutating func protect(_ pattern: AppArmorPattern) {
        writeProtected.insert(pattern, ())
        // Rules come sorted by path, so neighbours usually share every ancestor: when the
        // directory protected last is this pattern's parent, there is nothing to add.
        let literal = pattern.literal
        var parentEnd = literal.count
        if !(pattern.shape == .exact && literal.last == AppArmorPattern.slash) {
            while parentEnd > 0 && literal[parentEnd - 1] == AppArmorPattern.slash { parentEnd -= 1 }
            parentEnd = (literal[..<parentEnd].lastIndex(of: AppArmorPattern.slash) ?? -1) + 1
        }
        if parentEnd == lastProtectedParent.count && literal.starts(with: lastProtectedParent) { return }
        // Every directory above it, except `/` (which cannot be renamed).
        var components = pattern.literal.split(separator: AppArmorPattern.slash)
        if !components.isEmpty && (pattern.shape != .exact || pattern.literal.last != AppArmorPattern.slash) {
            components.removeLast() // the file itself, or the directory already in `selfAndBelow`
        }
        var prefix: [UInt8] = [AppArmorPattern.slash]
        for component in components {
            prefix += component
            prefix.append(AppArmorPattern.slash)
            protectedAncestors.insert(prefix, ())
        }
        lastProtectedParent = prefix
    }

    /// The rule as messages name it: decision, form, identity.
    static func describe(_ rule: ResolvedRule) -> String {
        var parts = [rule.decision.rawValue, rule.provenance.source]
        if let hash = rule.sha256 {
            let short = hash.count == 64 ? "\(hash.prefix(4))…\(hash.suffix(2))" : hash
            parts.append(rule.provenance.source == "sha256" ? short : "sha256 " + short)
        }
        if let path = rule.path { parts.append("'\(path)'") }
        return parts.joined(separator: " ")
    }
}

extension AppArmorPattern {
    /// Whether this pattern matches the literal path `path` (bytes, as AppArmor compares).
    func covers(_ path: [UInt8]) -> Bool {
        switch shape {
        case .exact: return literal == path
        case .below: return path.count > literal.count && path.starts(with: literal)
        case .selfAndBelow: return path.starts(with: literal) || path + [AppArmorPattern.slash] == literal
        }
    }
}
