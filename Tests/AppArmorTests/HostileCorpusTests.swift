import Foundation
import PalisadeCompiler
import PalisadeDSL
import PalisadeModel
import PalisadeTestSupport
import Testing

/// Hostile endpoint values through the whole pipeline (DSL → resolver → emitter → the real
/// parser): the parser must see exactly the intended rules, one profile, and no glob.
@Suite struct HostileCorpusTests {
    static let files: [String] = [
        "/opt/sp ace/tool",
        "/opt/com,ma/tool",
        "/opt/quo\"te/tool",
        "/opt/trailing-backslash\\",
        "/opt/new\nline/tool",
        "/opt/#hash/tool",
        "/opt/x #not-a-comment",
        "/opt/brace}/tool",
        "/opt/{a,b}/tool",
        "/opt/@{HOME}/tool",
        "/opt/**",
        "/opt/a*b?c[d]^e",
        "/opt/café/tool",
        "/opt/日本/tool",
        "/opt/a 1/octal-then-digit",
        "/opt/tab\tx",
        // Demonstrated injections (reference/apparmor.md): each must stay one literal path.
        "/usr/bin/true ix, /** ux, /usr/bin/false",
        "/usr/bin/true\" ix, /** ux, \"/usr/bin/false",
        "/opt/t\n/** ux,\n# swallowed",
        "/opt/x } profile evil /** flags=(unconfined) { /** ux, }",
        "/bin/merged {x,y}",
    ]
    static let directories = ["/srv/{a,b} dir,/", "/srv/star*/", "/srv/@{HOME}/"]
    static let denied = ["/opt/deny,me ux/x", "/opt/deny\"} /** ux,", "/sbin/deny me"]
    static let deniedDirectories = ["/srv/evil\" ix, /** ux,/"]
    static let shells = ["/usr/local/bin/pal shell", "/bin/b{a,b}sh"]

    static func customer(_ transform: (String) -> String = { $0 }) -> Customer {
        Customer("hostile", name: "Hostile", mode: .enforce,
                 confinement: LinuxConfinement(loginShells: shells.map(transform))) {
            Linux {
                for path in files { Allow.path(transform(path)) }
                for path in directories { Allow.directory(transform(path)) }
                for path in denied { Deny.path(transform(path)) }
                for path in deniedDirectories { Deny.directory(transform(path)) }
            }
        }
    }

    /// The same structure with every unsafe path component replaced by a plain, injective name
    /// (`h` + the component's bytes in hex).
    static func benignTwin(_ path: String) -> String {
        let safe = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-".unicodeScalars)
        return path.split(separator: "/", omittingEmptySubsequences: false).map { part -> String in
            let text = String(part)
            if text.unicodeScalars.allSatisfy({ safe.contains($0) }) { return text }
            return "h" + text.utf8.map { String(format: "%02x", $0) }.joined()
        }.joined(separator: "/")
    }

    @Test func parserSeesExactlyTheIntendedRules() throws {
        let parser = try AppArmorParser.located()
        let masks = try ExecMasks.learn(parser)
        let (_, output) = AA.emit(Self.customer())
        #expect(!output.diagnostics.hasErrors, "\(output.diagnostics)")
        #expect(output.files.keys.sorted() == ["apparmor/palisade.hostile"])
        let dir = try AA.write(output)
        let file = dir.path + "/apparmor/palisade.hostile"

        let compiled = try parser.compile(file)
        #expect(compiled.status == 0, "apparmor_parser rejected the profile: \(compiled.err)")
        #expect(try parser.names(file) == ["palisade.hostile"])

        var intended = Set<ExecEntry>()
        for path in Self.files {
            for s in usrSpellings(path) { intended.insert(ExecEntry(label: "mrix", match: .file(Array(s.utf8)))) }
        }
        for path in Self.directories {
            intended.insert(ExecEntry(label: "mrix", match: .below(Array(path.utf8))))
        }
        for path in Self.denied {
            for s in usrSpellings(path) { intended.insert(ExecEntry(label: "audit deny x", match: .file(Array(s.utf8)))) }
        }
        for path in Self.deniedDirectories {
            intended.insert(ExecEntry(label: "audit deny x", match: .below(Array(path.utf8))))
        }
        for shell in Self.shells {
            for s in usrSpellings(shell) { intended.insert(ExecEntry(label: "ix", match: .file(Array(s.utf8)))) }
        }
        let rules = try parser.compiledRules(file)
        let seen = ExecEntry.compiled(rules, masks: masks)
        #expect(seen == intended, "missing: \(intended.subtracting(seen)); unexpected: \(seen.subtracting(intended))")

        // The attachment: one alternation of literal shells, no other glob.
        let attachment = try #require(rules.first { !$0.deny && $0.permissions == masks.attach })
        let expectedShells = Set(Self.shells.flatMap(usrSpellings).map { Array($0.utf8) })
        #expect(Self.alternationBranches(attachment.aare) == expectedShells,
                "attachment \(attachment)")
    }

    /// Values cannot add, drop or change rules: the hostile profile compiles to the same number of
    /// rules with the same permissions as a twin whose paths are plain names.
    @Test func hostileValuesChangeNoRuleStructure() throws {
        let parser = try AppArmorParser.located()
        func profileRules(_ customer: Customer) throws -> [CompiledRule] {
            let (_, output) = AA.emit(customer)
            let dir = try AA.write(output)
            let file = dir.path + "/apparmor/palisade.hostile"
            #expect(try parser.compile(file).status == 0)
            #expect(try parser.names(file) == ["palisade.hostile"])
            return try parser.compiledRules(file)
        }
        let hostile = try profileRules(Self.customer())
        let twin = try profileRules(Self.customer(Self.benignTwin))
        func shape(_ rules: [CompiledRule]) -> [String] {
            rules.map { "\($0.deny) \($0.permissions) \($0.quiet)" }.sorted()
        }
        #expect(hostile.count == twin.count)
        #expect(shape(hostile) == shape(twin))
        // And every compiled expression of the hostile profile is either a literal, a directory
        // plus `**`, the attachment alternation, or one of the emitter's fixed patterns.
        let fixed: Set<String> = ["/{,**}", "/{usr/,}lib{,32,64,x32}/**.so*", "/proc/*/attr/apparmor/",
                                  "/proc/[0-9]*/attr/{apparmor/,}current", "/sys/module/apparmor/parameters/enabled"]
        for rule in hostile {
            let text = String(decoding: rule.aare, as: UTF8.self)
            let tokens = AARE.tokens(rule.aare)
            let globs = tokens.filter { if case .glob = $0 { return true } else { return false } }
            let ok = globs.isEmpty || fixed.contains(text) || AARE.directoryPrefix(rule.aare) != nil
                || Self.selfAndBelowPrefix(rule.aare) != nil || Self.alternationBranches(rule.aare) != nil
            #expect(ok, "unexpected glob in \(rule)")
        }
    }

    /// A hostile customer id never becomes a profile name.
    @Test func hostileProfileNameIsRefused() {
        for id in ["x { } profile evil /** flags=(unconfined)", "a//b", ":ns:foo", "-x", ""] {
            let output = AA.emitter.emit(AA.customer(id: id, [AA.rule(.allow, "/usr/bin/ls")]))
            #expect(output.files.isEmpty, "id \(id.debugDescription)")
            #expect(output.diagnostics.hasErrors)
        }
    }

    @Test func hostileLoginShellThatIsNotAFileIsRefused() {
        for shell in ["relative/sh", "/usr/bin/", "/usr/bin/\u{0}sh"] {
            let output = AA.emitter.emit(AA.customer(confinement: LinuxConfinement(loginShells: [shell]),
                                                     [AA.rule(.allow, "/usr/bin/ls")]))
            #expect(output.files.isEmpty, "shell \(shell.debugDescription)")
            #expect(output.diagnostics.hasErrors)
        }
    }

    /// `<literal>{,**}`, the write-protection of an allowed directory.
    static func selfAndBelowPrefix(_ aare: [UInt8]) -> [UInt8]? {
        let suffix = Array("{,**}".utf8)
        guard aare.count > suffix.count, Array(aare.suffix(suffix.count)) == suffix else { return nil }
        return AARE.literal(Array(aare.dropLast(suffix.count)))
    }

    /// `/{a,b}` with literal branches, or a single literal: the set of paths it matches.
    static func alternationBranches(_ aare: [UInt8]) -> Set<[UInt8]>? {
        if let literal = AARE.literal(aare) { return [literal] }
        let tokens = AARE.tokens(aare)
        guard tokens.count >= 3, tokens[0] == .literal(UInt8(ascii: "/")), tokens[1] == .glob("{"),
              tokens.last == .glob("}") else { return nil }
        var branches: Set<[UInt8]> = []
        var current: [UInt8] = [UInt8(ascii: "/")]
        for token in tokens[2..<(tokens.count - 1)] {
            switch token {
            case .literal(let b): current.append(b)
            case .glob(","): branches.insert(current); current = [UInt8(ascii: "/")]
            case .glob: return nil
            }
        }
        branches.insert(current)
        return branches
    }
}
