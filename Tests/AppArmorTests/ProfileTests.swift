import Foundation
@testable import PalisadeCompiler
import PalisadeDSL
import PalisadeModel
import PalisadeTestSupport
import Testing

/// Generated profiles compile with the real parser and say what the policy means.
@Suite struct ProfileTests {
    static let hash = "6f3c157a3f3c43a99d2f76e4f2c1ac5b3e1fef11bfe2050c360410c359cb45e0"

    /// Acme-like: the example golden image and binaries from the repository, a login shell and a
    /// pam hat, baseline denies.
    static func acmeLike(mode: Mode = .enforce, pamHat: Bool = true) -> Customer {
        Customer("acme", name: "Acme", mode: mode,
                 confinement: LinuxConfinement(loginShells: ["/usr/bin/bash"], pamHat: pamHat)) {
            RuleGroup("msp-baseline") {
                Linux {
                    Allow.binary("examples/artifacts/linux/msp-agent", at: "/opt/northwind/bin/msp-agent")
                    Deny.path("/usr/bin/anydesk")
                    Deny.directory("/opt/teamviewer")
                }
            }
            Linux {
                Allow.tree("examples/images/acme-web", mountedAt: "/")
                Allow.binary("examples/artifacts/linux/backup-agent", at: "/opt/acme/bin/backup-agent")
                Allow.sha256(hash, at: "/opt/acme/bin/tps-report")
                Allow.sha256(hash)
                Allow.path("/bin/tool")
            }
        }
    }

    @Test func everyGeneratedFileCompilesAndNamesExactlyTheIntendedProfiles() throws {
        let parser = try AppArmorParser.located()
        let (_, output) = AA.emit(Self.acmeLike())
        #expect(!output.diagnostics.hasErrors, "\(output.diagnostics)")
        #expect(output.files.keys.sorted() == ["apparmor/hats/palisade.acme", "apparmor/palisade.acme"])
        let dir = try AA.write(output)

        let profile = dir.path + "/apparmor/palisade.acme"
        let result = try parser.compile(profile)
        #expect(result.status == 0, "\(result.err)")
        #expect(try parser.names(profile) == ["palisade.acme"])

        // The hat is not a profile by itself; included in the PAM service's profile it adds one hat.
        let wrapper = try AA.wrapHat(dir.path + "/apparmor/hats/palisade.acme", in: dir)
        let hatResult = try parser.compile(wrapper)
        #expect(hatResult.status == 0, "\(hatResult.err)")
        #expect(try parser.names(wrapper) == ["pam-service", "pam-service//DEFAULT"])
        // Loading the bundle's apparmor/ folder as /etc/apparmor.d would: only the profile.
        #expect(try parser.names(dir.path + "/apparmor") == ["palisade.acme"])
    }

    @Test func profileEnforcesTheAllowlist() throws {
        let parser = try AppArmorParser.located()
        let masks = try ExecMasks.learn(parser)
        let (resolved, output) = AA.emit(Self.acmeLike())
        let dir = try AA.write(output)
        let seen = ExecEntry.compiled(try parser.compiledRules(dir.path + "/apparmor/palisade.acme"), masks: masks)

        var intended = Set<ExecEntry>()
        for rule in resolved.rules where rule.platform == .linux {
            guard let path = rule.path else { continue }
            for s in usrSpellings(path) {
                let match: ExecEntry.Match = rule.pathMatch == .directory ? .below(Array(s.utf8)) : .file(Array(s.utf8))
                let label = rule.decision == .deny ? "audit deny x" : (rule.fileKind == .script ? "rix" : "mrix")
                intended.insert(ExecEntry(label: label == "rix" && masks.rix == masks.mrix ? "mrix" : label, match: match))
            }
        }
        intended.insert(ExecEntry(label: "ix", match: .file(Array("/usr/bin/bash".utf8))))
        #expect(seen == intended, "missing: \(intended.subtracting(seen)); unexpected: \(seen.subtracting(intended))")
        #expect(intended.contains(ExecEntry(label: "mrix", match: .file(Array("/usr/sbin/nginx".utf8)))))
        #expect(intended.contains(ExecEntry(label: "audit deny x", match: .below(Array("/opt/teamviewer/".utf8)))))
    }

    @Test func auditModeGivesComplainFlags() throws {
        let parser = try AppArmorParser.located()
        for (mode, overrides, flag) in [(Mode.audit, [Backend: Mode](), "complain"), (.enforce, [.apparmor: .audit], "complain"),
                                        (.audit, [.apparmor: .enforce], "enforce"), (.enforce, [:], "enforce")] {
            let customer = AA.customer(mode: mode, overrides: overrides,
                                       confinement: LinuxConfinement(pamHat: true), [AA.rule(.allow, "/usr/bin/ls")])
            let output = AA.emitter.emit(customer)
            let profile = AA.text(output, "apparmor/palisade.test")
            #expect(profile.contains("profile palisade.test flags=(\(flag)) {"))
            #expect(AA.text(output, "apparmor/hats/palisade.test").contains("^DEFAULT flags=(\(flag)) {"))
            let dir = try AA.write(output)
            let debug = try run(parser.path, ["--skip-kernel-load", "--skip-cache", "--features-file",
                                              AppArmorParser.featuresFile, "--debug",
                                              dir.path + "/apparmor/palisade.test"])
            #expect(debug.status == 0)
            #expect((debug.out + debug.err).contains("Mode: \(flag)"), "\(debug.out + debug.err)")
            let wrapper = try AA.wrapHat(dir.path + "/apparmor/hats/palisade.test", in: dir)
            let hatDebug = try run(parser.path, ["--skip-kernel-load", "--skip-cache", "--features-file",
                                                 AppArmorParser.featuresFile, "--debug", wrapper])
            #expect((hatDebug.out + hatDebug.err).contains("Mode: \(flag), Hat"), "\(hatDebug.out + hatDebug.err)")
        }
    }

    /// A deny in a customer beats a broad allow from a baseline: both are in the profile, the deny
    /// as an audited `deny x` on the exact path, and the parser accepts the pair (no x conflict).
    @Test func customerDenyBeatsBaselineAllow() throws {
        let parser = try AppArmorParser.located()
        let masks = try ExecMasks.learn(parser)
        let customer = Customer("deny-wins", name: "D", mode: .enforce) {
            RuleGroup("baseline") {
                Linux {
                    Allow.directory("/opt/tools")
                    Allow.path("/usr/bin/curl")
                }
            }
            Linux {
                Deny.path("/opt/tools/netcat")
                Deny.directory("/opt/tools/remote")
            }
        }
        let (_, output) = AA.emit(customer)
        let dir = try AA.write(output)
        let file = dir.path + "/apparmor/palisade.deny-wins"
        #expect(try parser.compile(file).status == 0)
        let rules = try parser.compiledRules(file)
        let seen = ExecEntry.compiled(rules, masks: masks)
        #expect(seen == [
            ExecEntry(label: "mrix", match: .below(Array("/opt/tools/".utf8))),
            ExecEntry(label: "mrix", match: .file(Array("/usr/bin/curl".utf8))),
            ExecEntry(label: "audit deny x", match: .file(Array("/opt/tools/netcat".utf8))),
            ExecEntry(label: "audit deny x", match: .below(Array("/opt/tools/remote/".utf8))),
        ])
        // AppArmor's rule: deny always wins over allow, globs and exact paths alike; the deny is
        // logged (not quiet).
        #expect(rules.filter(\.deny).allSatisfy { $0.quiet == 0 })
    }

    /// No conflicting exec modes and no named transitions, however the rules overlap: a file
    /// allowed by several rules and kinds, a directory and files inside it, a login shell that is
    /// also allowed, a denied file in an allowed directory, legacy and /usr spellings together.
    @Test func overlappingRulesNeverConflictAndUseNoTransitions() throws {
        let parser = try AppArmorParser.located()
        var rules: [ResolvedRule] = []
        for i in 0..<40 {
            rules.append(AA.rule(.allow, "/opt/app/bin/tool\(i)", kind: i % 2 == 0 ? .elf : .script, line: i + 10))
            rules.append(AA.rule(.allow, "/opt/app/bin/tool\(i)", kind: .script, sha256: Self.hash, line: i + 100))
        }
        rules.append(AA.rule(.allow, "/opt/app/", match: .directory, line: 200))
        rules.append(AA.rule(.allow, "/opt/app/bin/", match: .directory, line: 201))
        rules.append(AA.rule(.deny, "/opt/app/bin/tool3", line: 202))
        rules.append(AA.rule(.allow, "/usr/bin/bash", kind: .elf, line: 203))
        rules.append(AA.rule(.allow, "/bin/ls", kind: .elf, line: 204))
        rules.append(AA.rule(.allow, "/usr/bin/ls", kind: .elf, line: 205))
        rules.append(AA.rule(.deny, "/sbin/", match: .directory, line: 206))
        for i in 0..<20 { rules.append(AA.rule(.deny, "/usr/local/bin/bad\(i)", line: 300 + i)) }
        let output = AA.emitter.emit(AA.customer(confinement: LinuxConfinement(loginShells: ["/usr/bin/bash", "/bin/sh"], pamHat: true), rules))
        #expect(!output.diagnostics.hasErrors)
        let dir = try AA.write(output)
        let file = dir.path + "/apparmor/palisade.test"
        let result = try parser.compile(file)
        #expect(result.status == 0, "\(result.err)")
        let wrapper = try AA.wrapHat(dir.path + "/apparmor/hats/palisade.test", in: dir)
        #expect(try parser.compile(wrapper).status == 0)

        // Every exec rule in the text is one of Palisade's forms: `ix`/`rix`/`mrix` or `audit deny … x`.
        for file in output.files.keys {
            let text = AA.text(output, file)
            #expect(!AA.ruleLines(text).contains { $0.contains("->") || $0.contains("include") })
            for rule in AA.pathRules(text) where rule.permissions.contains("x") {
                #expect(rule.deny ? rule.permissions == "x" : ["ix", "rix", "mrix"].contains(rule.permissions),
                        "unexpected exec rule: \(rule)")
            }
        }
    }

    /// The emitter's spellings against the independent definition, on the edges of each name.
    @Test func mergedUsrSpellingsMatchTheDefinition() {
        var paths = ["/", "/b", "/bi", "/bin", "/usr/bin/x", "/boot/x", "/srv/x", "/lost+found/x", "/opt/bin/x"]
        for legacy in ["bin", "sbin", "lib", "lib32", "lib64", "libx32"] {
            paths += ["/\(legacy)", "/\(legacy)/", "/\(legacy)/x", "/\(legacy)x/y", "/\(legacy.dropLast())/x", "//\(legacy)/x"]
        }
        for path in paths {
            let got = MergedUsr.spellings(of: Array(path.utf8)).map { String(decoding: $0, as: UTF8.self) }
            // The root directories themselves (`/bin`) are legacy too: a directory rule on them.
            let expected = ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"].contains(path) ? [path, "/usr" + path] : usrSpellings(path)
            #expect(got == expected, "\(path)")
        }
    }

    @Test func mergedUsrEmitsBothSpellings() {
        let output = AA.emitter.emit(AA.customer([
            AA.rule(.allow, "/bin/tool", kind: .elf), AA.rule(.deny, "/sbin/bad"),
            AA.rule(.allow, "/lib/app/", match: .directory), AA.rule(.allow, "/usr/bin/only-usr", kind: .elf),
        ]))
        let text = AA.text(output, "apparmor/palisade.test")
        for line in ["\"/bin/tool\" mrix,", "\"/usr/bin/tool\" mrix,", "audit deny \"/sbin/bad\" x,",
                     "audit deny \"/usr/sbin/bad\" x,", "\"/lib/app/**\" mrix,", "\"/usr/lib/app/**\" mrix,",
                     "\"/usr/bin/only-usr\" mrix,"] {
            #expect(text.contains("  " + line + "\n"), "missing \(line)")
        }
        #expect(!text.contains("\"/bin/only-usr\""))
        #expect(output.installNotes?.contains("merged-/usr") == true)
    }

    @Test func hashOnlyRulesWarnAndStayOut() {
        let output = AA.emitter.emit(AA.customer([
            AA.rule(.allow, nil, sha256: Self.hash, line: 7), AA.rule(.deny, nil, sha256: Self.hash.uppercased(), line: 8),
            AA.rule(.allow, "/opt/x/tool", kind: .elf, sha256: Self.hash, line: 9),
        ]))
        let warnings = output.diagnostics.filter { $0.severity == .warning }
        #expect(warnings.count == 2)
        #expect(warnings.allSatisfy { $0.backend == .apparmor && $0.message.contains("hash-only") })
        #expect(warnings.contains { $0.location?.line == 7 && $0.message.contains("allow sha256 6f3c…e0") })
        #expect(warnings.contains { $0.location?.line == 8 && $0.message.contains("deny") })
        let text = AA.text(output, "apparmor/palisade.test")
        #expect(text.contains("\"/opt/x/tool\" mrix,"))
    }

    @Test func scriptsGetReadForTheirInterpreterNoMap() throws {
        let dir = try TemporaryDirectory("palisade-apparmor-script")
        try dir.write("run.sh", "#!/bin/sh\necho hi\n", mode: 0o755)
        let customer = Customer("scripts", name: "S", mode: .enforce) {
            Linux { Allow.binary("run.sh", at: "/opt/s/run.sh") }
        }
        let (resolved, output) = AA.emit(customer, workspace: dir.path)
        #expect(resolved.rules.first?.fileKind == .script)
        #expect(AA.text(output, "apparmor/palisade.scripts").contains("  \"/opt/s/run.sh\" rix,\n"))
    }

    @Test func noLinuxRulesMeansNoFiles() {
        let customer = Customer("win", name: "W", mode: .enforce) {
            Windows { Allow.path(#"%PROGRAMFILES%\App\app.exe"#) }
        }
        let (_, output) = AA.emit(customer)
        #expect(output.files.isEmpty)
        #expect(output.installNotes == nil)
        #expect(output.diagnostics.isEmpty)
    }

    @Test func noAbstractionsAndExecMappingOnlyFromLibraries() {
        let text = AA.text(AA.emitter.emit(AA.customer([AA.rule(.allow, "/usr/bin/ls", kind: .elf)])), "apparmor/palisade.test")
        let rules = AA.ruleLines(text)
        #expect(!rules.contains { $0.contains("include") })
        // `m` appears only on shared libraries and on the policy's own allowed files.
        let mapping = AA.pathRules(text).filter { !$0.deny && $0.permissions.contains("m") }
        #expect(mapping.map(\.pattern) == ["/{usr/,}lib{,32,64,x32}/**.so*", "\"/usr/bin/ls\""])
        #expect(mapping.map(\.permissions) == ["m", "mrix"])
        // Where code may run or be mapped, nothing may be written or linked.
        #expect(rules.contains("audit deny \"/usr/bin/ls\" wl,"))
        #expect(rules.contains("audit deny /{usr/,}lib{,32,64,x32}/**.so* wl,"))
        #expect(rules.contains("audit deny \"/usr/bin/\" w,"))
        #expect(rules.contains("audit deny \"/usr/\" w,"))
    }

    @Test func attachmentChoices() {
        let plain = AA.emitter.emit(AA.customer([AA.rule(.allow, "/usr/bin/ls")]))
        #expect(AA.text(plain, "apparmor/palisade.test").contains("\nprofile palisade.test flags=(enforce) {\n"))
        #expect(plain.installNotes?.contains("aa-exec -p palisade.test") == true)
        #expect(plain.installNotes?.contains("AppArmorProfile=palisade.test") == true)
        #expect(plain.files["apparmor/hats/palisade.test"] == nil)

        let shells = AA.emitter.emit(AA.customer(confinement: LinuxConfinement(loginShells: ["/usr/local/bin/palisade-bash", "/bin/zsh"]),
                                                 [AA.rule(.allow, "/usr/bin/ls")]))
        #expect(AA.text(shells, "apparmor/palisade.test")
            .contains("\nprofile palisade.test \"/{bin/zsh,usr/bin/zsh,usr/local/bin/palisade-bash}\" flags=(enforce) {\n"))
        #expect(shells.installNotes?.contains("unconfined") == true)
    }

    @Test func deniedLoginShellWarns() {
        let output = AA.emitter.emit(AA.customer(confinement: LinuxConfinement(loginShells: ["/usr/bin/bash"]),
                                                 [AA.rule(.deny, "/usr/bin/", match: .directory, line: 5)]))
        #expect(output.diagnostics.contains { $0.severity == .warning && $0.location?.line == 5 && $0.message.contains("login shell") })
    }

    @Test func outputIsDeterministic() {
        let rules = [AA.rule(.allow, "/opt/b", line: 2), AA.rule(.allow, "/opt/a", line: 3), AA.rule(.deny, "/opt/c", line: 4)]
        let a = AA.emitter.emit(AA.customer(rules))
        let b = AA.emitter.emit(AA.customer(rules.reversed()))
        #expect(a.files == b.files)
        #expect(a.installNotes == b.installNotes)
    }

    /// The whole compile, as `palisade build` runs it: the profile is in the bundle and INSTALL.md
    /// has the AppArmor section.
    @Test func compilerBundleCarriesTheProfile() throws {
        let parser = try AppArmorParser.located()
        let compiler = Compiler(workspace: Paths.packageRoot.path, today: "2026-01-01")
        let result = compiler.compile([Self.acmeLike(mode: .audit, pamHat: false).policy])
        #expect(!result.hasErrors, "\(result.diagnostics)")
        let bundle = try #require(result.bundles.first)
        let profile = try #require(bundle.files["apparmor/palisade.acme"])
        #expect(String(decoding: profile, as: UTF8.self).contains("flags=(complain)"))
        let install = String(decoding: bundle.files["INSTALL.md"] ?? [], as: UTF8.self)
        #expect(install.contains("## apparmor"))
        #expect(result.diagnostics.contains { $0.backend == .apparmor && $0.message.contains("hash-only") })
        let dir = try TemporaryDirectory("palisade-apparmor-bundle")
        let file = try dir.write(Array("palisade.acme".utf8), profile)
        let compiled = try parser.compile(String(decoding: file, as: UTF8.self))
        #expect(compiled.status == 0, "\(compiled.err)")
    }
}
