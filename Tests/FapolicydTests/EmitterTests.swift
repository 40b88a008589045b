import PalisadeCompiler
import PalisadeModel
import PalisadeTestSupport
import Testing

@Suite("fapolicyd emitter (pure)")
struct EmitterTests {
    let emitter = FapolicydEmitter()

    @Test("merged /usr: paths under /bin, /sbin and /lib* are also written under /usr, which fapolicyd sees")
    func mergedUsrSpellings() {
        let h = Fixture.hash
        let output = emitter.emit(Fixture.customer([
            Fixture.allowBinary("/bin/agent", seed: 1, line: 10),
            Fixture.allowBinary("/usr/bin/other", seed: 2, line: 11),
            Fixture.rule(.allow, source: "sha256", sha256: h(3), path: "/sbin/tool", line: 12),
            Fixture.rule(.allow, source: "path", path: "/binary/legacy", line: 13),
            Fixture.denyBinary("/lib64/evil.so", seed: 4, line: 20),
            Fixture.rule(.deny, source: "path", path: "/sbin/nc", line: 21),
            Fixture.rule(.deny, source: "directory", path: "/lib/remote/", directory: true, line: 22),
        ]))
        #expect(Fixture.ruleLines(output) == [
            "deny_log perm=execute all : dir=/lib/remote/",
            "deny_log perm=execute all : dir=/usr/lib/remote/",
            "deny_log perm=execute all : sha256hash=\(h(4))",
            "deny_log perm=execute all : path=/lib64/evil.so",
            "deny_log perm=execute all : path=/usr/lib64/evil.so",
            "deny_log perm=execute all : path=/sbin/nc",
            "deny_log perm=execute all : path=/usr/sbin/nc",
            "allow perm=execute all : path=/binary/legacy",
            "allow perm=execute all : path=/sbin/tool sha256hash=\(h(3))",
            "allow perm=execute all : path=/usr/sbin/tool sha256hash=\(h(3))",
            "allow perm=execute all : trust=1",
            "deny_log perm=execute all : all",
        ])
        let trust = String(decoding: output.files["fapolicyd/trust.d/palisade-test"]!, as: UTF8.self)
        #expect(trust.split(separator: "\n").filter { !$0.hasPrefix("#") } == [
            "/bin/agent 1234 \(h(1))",
            "/usr/bin/agent 1234 \(h(1))",
            "/usr/bin/other 1234 \(h(2))",
        ])
        #expect(output.diagnostics.filter { $0.severity == .error }.isEmpty)
    }

    @Test("two paths that differ only in Unicode normalisation are two trust entries")
    func trustPathsCompareByBytes() {
        // Equal as Swift Strings, two files to the kernel and to fapolicyd.
        let (nfc, nfd) = ("/opt/caf\u{E9}/tool", "/opt/cafe\u{301}/tool")
        for seeds in [(1, 1), (1, 2)] {  // the same content at both, and two contents
            let output = emitter.emit(Fixture.customer([
                Fixture.allowBinary(nfc, seed: seeds.0, line: 10), Fixture.allowBinary(nfd, seed: seeds.1, line: 11),
            ]))
            let trust = output.files["fapolicyd/trust.d/palisade-test"] ?? []
            let entries = trust.split(separator: UInt8(ascii: "\n")).filter { $0.first != UInt8(ascii: "#") }.map(Array.init)
            #expect(entries == [
                Array("\(nfd) 1234 \(Fixture.hash(seeds.1))".utf8),  // byte order: "e" before "\u{E9}"
                Array("\(nfc) 1234 \(Fixture.hash(seeds.0))".utf8),
            ])
            #expect(!Fixture.ruleLines(output).contains { $0.contains("path=") })
            #expect(output.diagnostics.isEmpty)
        }
    }

    @Test("a customer without Linux rules gets no files, notes or diagnostics")
    func noLinuxRules() {
        let windows = Fixture.rule(.allow, source: "path", path: #"C:\Tools\a.exe"#, platform: .windows)
        let output = emitter.emit(Fixture.customer([windows]))
        #expect(output.files.isEmpty)
        #expect(output.installNotes == nil)
        #expect(output.diagnostics.isEmpty)
    }

    @Test("file layout: rules.d/80-palisade-<id>.rules and trust.d/palisade-<id>")
    func layout() {
        let output = emitter.emit(Fixture.everyConstruct())
        #expect(Set(output.files.keys) == ["fapolicyd/rules.d/80-palisade-test.rules", "fapolicyd/trust.d/palisade-test"])
        #expect(FapolicydEmitter.rulesNumber == 80)
        #expect(output.diagnostics.isEmpty)
    }

    @Test("no trust file when nothing goes into it")
    func noEmptyTrustFile() {
        let output = emitter.emit(Fixture.customer([Fixture.denyBinary("/usr/bin/nc", seed: 1)]))
        #expect(Set(output.files.keys) == ["fapolicyd/rules.d/80-palisade-test.rules"])
    }

    @Test("enforce: every construct mapped, denials first, trust rule, explicit final deny")
    func enforceMapping() {
        let h = Fixture.hash
        let output = emitter.emit(Fixture.everyConstruct(mode: .enforce))
        #expect(Fixture.ruleLines(output) == [
            "deny_log perm=execute all : sha256hash=\(h(6))",
            "deny_log perm=execute all : dir=/opt/teamviewer/",
            "deny_log perm=execute all : path=/usr/bin/anydesk",
            "deny_log perm=execute all : sha256hash=\(h(5))",
            "deny_log perm=execute all : path=/usr/local/bin/remote-support",
            "allow perm=execute all : sha256hash=\(h(4))",
            "allow perm=execute all : path=/opt/initech/bin/tps-report sha256hash=\(h(3))",
            "allow perm=execute all : dir=/opt/vendor/",
            "allow perm=execute all : path=/usr/local/bin/legacy",
            "allow perm=execute all : trust=1",
            "deny_log perm=execute all : all",
        ])
        let trust = String(decoding: output.files["fapolicyd/trust.d/palisade-test"]!, as: UTF8.self)
        let entries = trust.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(entries == [
            "/opt/acme/bin/backup%20agent 1234 \(h(1))",
            "/opt/acme/bin/report%25tool 1234 \(h(2))",
        ])
        #expect(trust.hasPrefix(FapolicydTrustFile.header + "\n"))
    }

    @Test("audit: the same rules, every would-be denial is allow_log, nothing denies")
    func auditMapping() {
        let enforce = Fixture.ruleLines(emitter.emit(Fixture.everyConstruct(mode: .enforce)))
        let audit = Fixture.ruleLines(emitter.emit(Fixture.everyConstruct(mode: .audit)))
        #expect(audit == enforce.map { $0.hasPrefix("deny_log ") ? "allow_log " + $0.dropFirst("deny_log ".count) : $0 })
        #expect(!audit.contains { $0.hasPrefix("deny") })
        #expect(audit.last == "allow_log perm=execute all : all")
    }

    @Test("the fapolicyd mode override wins over the customer's mode")
    func perBackendMode() {
        var customer = Fixture.everyConstruct(mode: .enforce)
        customer.backendModes = [.fapolicyd: .audit]
        #expect(Fixture.ruleLines(emitter.emit(customer)).last == "allow_log perm=execute all : all")
        customer.mode = .audit
        customer.backendModes = [.fapolicyd: .enforce, .apparmor: .audit]
        #expect(Fixture.ruleLines(emitter.emit(customer)).last == "deny_log perm=execute all : all")
    }

    @Test("deterministic bytes, LF only, final newline, no TAB, lower-case hashes, lint-clean",
          arguments: [Mode.enforce, .audit])
    func formatInvariants(mode: Mode) {
        let customer = Fixture.everyConstruct(mode: mode)
        let first = emitter.emit(customer)
        var reordered = customer
        reordered.rules.reverse()
        reordered.rules.sort(by: ResolvedRule.sortKey)
        #expect(emitter.emit(reordered).files == first.files)
        for (path, bytes) in first.files {
            #expect(bytes.last == 0x0A, "\(path) has no final newline")
            #expect(!bytes.contains(0x0D) && !bytes.contains(0x09), "\(path) has CR or TAB")
            let text = String(decoding: bytes, as: UTF8.self)
            let tokens = text.split(whereSeparator: { $0 == " " || $0 == "=" || $0 == "\n" })
            for token in tokens where token.count == 64 && token.allSatisfy(\.isHexDigit) {
                #expect(token == token.lowercased())
            }
        }
        #expect(FapolicydLint.rules(first.files[FapolicydEmitter.rulesFile(for: "test")]!).isEmpty)
        #expect(FapolicydLint.trust(first.files[FapolicydEmitter.trustFile(for: "test")]!).isEmpty)
    }

    @Test("upper-case input hashes are refused, never written")
    func upperCaseHash() {
        let bad = Fixture.rule(.deny, source: "sha256", sha256: Fixture.hash(1).uppercased(), line: 7)
        let output = emitter.emit(Fixture.customer([bad]))
        #expect(output.diagnostics.contains { $0.severity == .error && $0.location?.line == 7 })
        #expect(!Fixture.ruleLines(output).contains { $0.contains("sha256hash") })
    }

    @Test("an invalid customer id (it names the files) is an error and writes nothing")
    func badCustomerID() {
        let output = emitter.emit(Fixture.customer(id: "../etc", [Fixture.denyBinary("/usr/bin/nc", seed: 1)]))
        #expect(output.files.isEmpty)
        #expect(output.diagnostics.hasErrors)
    }

    @Test("the install note says where each file goes, fagenrules --load, and the restart")
    func installNotes() throws {
        let notes = try #require(emitter.emit(Fixture.everyConstruct()).installNotes)
        for needle in ["/etc/fapolicyd/rules.d/80-palisade-test.rules", "/etc/fapolicyd/trust.d/palisade-test",
                       "fagenrules --load", "fapolicyd-cli --update", "systemctl restart fapolicyd",
                       "needs a restart", "permissive = 1", "integrity = sha256", "Why number 80",
                       "systemctl mask fapolicyd", "set `permissive = 0` and\n   `systemctl restart fapolicyd`",
                       "/usr/share/fapolicyd/sample-rules/"] {
            #expect(notes.contains(needle), "install note lacks '\(needle)'")
        }
        let audit = try #require(emitter.emit(Fixture.everyConstruct(mode: .audit)).installNotes)
        #expect(audit.contains("Mode **audit**") && audit.contains("allow_log"))
    }

    // MARK: values the grammar cannot carry

    @Test("a denied binary whose path a rule cannot carry: warning, denied by hash only")
    func deniedPathFallback() {
        for path in ["/opt/a b/tool", "/opt/a,b", "/opt/a=b", "/opt/tab\there", "/opt/nl\nallow perm=execute all : all"] {
            let output = emitter.emit(Fixture.customer([Fixture.denyBinary(path, seed: 1, line: 5)]))
            #expect(Fixture.ruleLines(output) == [
                "deny_log perm=execute all : sha256hash=\(Fixture.hash(1))",
                "allow perm=execute all : trust=1",
                "deny_log perm=execute all : all",
            ], "path \(path.debugDescription)")
            #expect(output.diagnostics.count == 1)
            let warning = output.diagnostics.first
            #expect(warning?.severity == .warning)
            #expect(warning?.message.contains(path) == true, "the warning names the path")
            #expect(warning?.message.contains("sha256 only") == true)
            #expect(warning?.backend == .fapolicyd && warning?.location?.line == 5)
        }
    }

    @Test("path or directory rules that cannot be written are errors naming the path, and no rule")
    func unexpressiblePathOnly() {
        let cases: [ResolvedRule] = [
            Fixture.rule(.deny, source: "path", path: "/opt/any desk", line: 1),
            Fixture.rule(.deny, source: "directory", path: "/opt/team,viewer/", directory: true, line: 2),
            Fixture.rule(.allow, source: "path", path: "/opt/x\ry", line: 3),
            Fixture.rule(.allow, source: "directory", path: "/opt/a b/", directory: true, line: 4),
            // Relative (the policy checks refuse it as well): refused here, not left to the lint.
            Fixture.rule(.deny, source: "path", path: "usr/bin/relative", line: 5),
        ]
        for rule in cases {
            let output = emitter.emit(Fixture.customer([rule]))
            #expect(output.diagnostics.count == 1)
            #expect(output.diagnostics.first?.severity == .error)
            #expect(output.diagnostics.first?.message.contains(rule.path!) == true)
            #expect(output.diagnostics.first?.location?.line == rule.provenance.location.line)
            #expect(Fixture.ruleLines(output) == ["allow perm=execute all : trust=1", "deny_log perm=execute all : all"])
        }
    }

    @Test("an allowed vendor hash whose path cannot be written: warning, allowed by hash only")
    func allowedHashPathFallback() {
        let rule = Fixture.rule(.allow, source: "sha256", sha256: Fixture.hash(9), path: "/opt/x y/tool", line: 3)
        let output = emitter.emit(Fixture.customer([rule]))
        #expect(output.diagnostics.map(\.severity) == [.warning])
        #expect(Fixture.ruleLines(output).first == "allow perm=execute all : sha256hash=\(Fixture.hash(9))")
    }

    @Test("trust paths: space, TAB and % encoded; LF refused with a hash fallback")
    func trustEncoding() {
        let output = emitter.emit(Fixture.customer([
            Fixture.allowBinary("/opt/a b\tc%d", seed: 1),
            Fixture.allowBinary("/opt/x\ny", seed: 2, line: 8),
        ]))
        let trust = String(decoding: output.files["fapolicyd/trust.d/palisade-test"]!, as: UTF8.self)
        #expect(trust.contains("\n/opt/a%20b%09c%25d 1234 \(Fixture.hash(1))\n"))
        #expect(!trust.contains("/opt/x"))
        #expect(output.diagnostics.count == 1 && output.diagnostics[0].severity == .warning)
        #expect(output.diagnostics[0].location?.line == 8)
        #expect(Fixture.ruleLines(output).first == "allow perm=execute all : sha256hash=\(Fixture.hash(2))")
    }

    @Test("two contents allowed at one path: the trust file lists one, a path+hash rule the other")
    func samePathTwoContents() {
        let output = emitter.emit(Fixture.customer([
            Fixture.allowBinary("/opt/app/tool", seed: 1, line: 1),
            Fixture.allowBinary("/opt/app/tool", seed: 2, line: 2),
        ]))
        let trust = String(decoding: output.files["fapolicyd/trust.d/palisade-test"]!, as: UTF8.self)
        #expect(trust.split(separator: "\n").filter { $0.hasPrefix("/") }.count == 1)
        let other = trust.contains(Fixture.hash(1)) ? Fixture.hash(2) : Fixture.hash(1)
        #expect(Fixture.ruleLines(output).first == "allow perm=execute all : path=/opt/app/tool sha256hash=\(other)")
        #expect(output.diagnostics.isEmpty)
    }

    @Test("rules that make the same line write it once, with the comment of the first", arguments: 0..<10)
    func repeatedLinesOnce(seed: Int) {
        var random = SplitMix(seed: UInt64(seed))
        // Denials share hashes and paths, and allows without a size (not trust candidates)
        // share hashes behind paths the rules cannot carry: many rules, fewer distinct lines.
        let paths = ["/usr/bin/a", "/usr/bin/b", "/opt/c/", "/opt/x y"]
        let rules = (0..<Int.random(in: 1...40, using: &random)).map { line in
            let path = paths.randomElement(using: &random)!
            return Fixture.rule(Bool.random(using: &random) ? .deny : .allow, source: "sha256",
                                sha256: Bool.random(using: &random) ? Fixture.hash(Int.random(in: 1...3, using: &random)) : nil,
                                path: path, directory: path.hasSuffix("/"), line: line + 1)
        }
        let customer = Fixture.customer(rules)
        let output = emitter.emit(customer)
        let text = String(decoding: output.files[FapolicydEmitter.rulesFile(for: "test")]!, as: UTF8.self)
        let lines = text.split(separator: "\n").map(String.init)

        // Each rule's lines, as the mapping documented on FapolicydEmitter makes them, in rule order.
        var expected: [(line: String, from: Int)] = []
        for deny in [true, false] {
            for rule in customer.rules where (rule.decision == .deny) == deny {
                let decision = deny ? "deny_log" : "allow"
                let object = rule.path!.contains(" ") ? nil : (rule.pathMatch == .directory ? "dir=" : "path=") + rule.path!
                var made: [String] = []
                if deny {
                    if let hash = rule.sha256 { made.append("sha256hash=\(hash)") }
                    if let object { made.append(object) }
                } else if let hash = rule.sha256 {
                    made.append(object.map { "\($0) sha256hash=\(hash)" } ?? "sha256hash=\(hash)")
                } else if let object {
                    made.append(object)
                }
                for fields in made where !expected.contains(where: { $0.line == "\(decision) perm=execute all : \(fields)" }) {
                    expected.append(("\(decision) perm=execute all : \(fields)", rule.provenance.location.line))
                }
            }
        }
        let written = lines.indices.filter { !lines[$0].hasPrefix("#") }.dropLast(2)  // trust rule, catch-all
        #expect(written.map { lines[$0] } == expected.map(\.line), "seed \(seed)")
        // The comment above each line names the first rule that made it.
        #expect(written.map { lines[$0 - 1].hasPrefix("# policies/test.swift:\(expected[written.firstIndex(of: $0)! - written.startIndex].from) ") }
                .allSatisfy { $0 }, "seed \(seed)")
    }

    @Test("a path longer than PATH_MAX never reaches a file")
    func veryLongPath() {
        let long = "/opt/" + String(repeating: "d/", count: 2100) + "tool"
        let output = emitter.emit(Fixture.customer([Fixture.allowBinary(long, seed: 1), Fixture.denyBinary(long, seed: 2)]))
        #expect(output.diagnostics.count == 2 && output.diagnostics.allSatisfy { $0.severity == .warning })
        // Only comments may mention it; no rule and no trust entry carries it.
        for line in Fixture.ruleLines(output) { #expect(!line.contains("d/d/d/d/")) }
        #expect(output.files[FapolicydEmitter.trustFile(for: "test")] == nil)
        #expect(Fixture.ruleLines(output).filter { $0.contains("sha256hash=") }.count == 2)
    }

    @Test("comments cannot smuggle a line: control characters in provenance are escaped")
    func commentsAreOneLine() {
        var rule = Fixture.denyBinary("/usr/bin/nc", seed: 1)
        rule.provenance.reason = "bad\nallow perm=execute all : all\r\tx"
        let output = emitter.emit(Fixture.customer([rule]))
        #expect(!Fixture.ruleLines(output).contains("allow perm=execute all : all"))
        #expect(FapolicydLint.rules(output.files[FapolicydEmitter.rulesFile(for: "test")]!).isEmpty)
    }
}
