import PalisadeCompiler
import PalisadeDSL
import PalisadeModel
import PalisadeTestSupport
import Testing

/// Every check, with the exact file:line it reports. Policies are built as values here, so their
/// locations are lines of this file (`#fileID` is `PalisadeCompilerTests/DiagnosticsTests.swift`).
@Suite("Policy diagnostics")
struct DiagnosticsTests {
    static let file = "PalisadeCompilerTests/DiagnosticsTests.swift"
    static let today: CalendarDate = "2026-11-30"
    static let hashA = String(repeating: "ab", count: 32)

    func compile(_ customers: [Customer], workspace: String = "/nonexistent") -> Compiler.Output {
        Compiler(workspace: workspace, today: Self.today, backends: []).compile(customers.map(\.policy))
    }

    func at(_ line: Int) -> PalisadeModel.SourceLocation { PalisadeModel.SourceLocation(file: Self.file, line: line) }

    @Test func sameHashAllowedAndDeniedIsAnErrorWithANote() {
        let line = #line
        let customer = Customer("acme", name: "Acme") {
            Linux {
                Allow.sha256(Self.hashA, at: "/usr/bin/tool")
                Deny.sha256(Self.hashA.uppercased())
            }
        }
        let output = compile([customer])
        let error = output.diagnostics.first { $0.severity == .error }
        #expect(error?.location == at(line + 3))
        #expect(error?.message == "sha256 abab…ab is both allowed and denied for customer 'acme'")
        #expect(error?.notes.first?.location == at(line + 4))
        #expect(error?.notes.first?.message == "denied here")
        #expect(output.bundles.isEmpty)
        #expect(error?.description == """
            \(Self.file):\(line + 3): error: sha256 abab…ab is both allowed and denied for customer 'acme'
            \(Self.file):\(line + 4): note: denied here
            """)
    }

    @Test func conflictBetweenBaselineAndCustomerPointsAtBoth() {
        struct Shared: Baseline {
            static let line = #line + 3
            var body: [any PolicyComponent] {
                Linux {
                    Deny.sha256(DiagnosticsTests.hashA)
                }
            }
        }
        let line = #line
        let customer = Customer("acme", name: "Acme") {
            Shared()
            Linux { Allow.sha256(Self.hashA, at: "/opt/x") }
        }
        let error = compile([customer]).diagnostics.first { $0.severity == .error }
        #expect(error?.location == at(line + 3))
        #expect(error?.notes.first?.location == at(Shared.line))
    }

    @Test func duplicateRuleIsAWarningPointingAtTheFirst() {
        let line = #line
        let customer = Customer("acme", name: "Acme") {
            Linux {
                Allow.sha256(Self.hashA, at: "/opt/a")
                Allow.sha256(Self.hashA, at: "/opt/a")
            }
        }
        let output = compile([customer])
        let warning = output.diagnostics.first { $0.message.hasPrefix("duplicate rule") }
        #expect(warning?.severity == .warning)
        #expect(warning?.location == at(line + 4))
        #expect(warning?.notes.first?.location == at(line + 3))
        #expect(!output.hasErrors)
        #expect(output.bundles.count == 1)
    }

    /// Swift's `String ==` calls `caf\u{E9}` and `cafe\u{301}` equal; they are two files on Linux and
    /// NTFS. Joined fields made publisher `O=A|B` + product `C` equal to `O=A` + `B|C`.
    @Test func rulesThatDifferOnlyInTheirBytesAreNotDuplicates() throws {
        let (nfc, nfd) = ("/opt/caf\u{E9}/tool", "/opt/cafe\u{301}/tool")
        let (winNFC, winNFD) = (#"%PROGRAMFILES%\Caf\#u{E9}\tool.exe"#, #"%PROGRAMFILES%\Cafe\#u{301}\tool.exe"#)
        #expect(nfc == nfd && winNFC == winNFD)  // what the old keys relied on
        let customer = Customer("acme", name: "Acme", mode: .enforce) {
            Linux {
                Deny.path(nfc)
                Deny.path(nfd)
            }
            Windows {
                Allow.publisher("O=A|B", product: "C")
                Allow.publisher("O=A", product: "B|C")
                Allow.publisher("O=\u{C9}DITEUR", product: "P")
                Allow.publisher("O=E\u{301}DITEUR", product: "P")
                Deny.path(winNFC)
                Deny.path(winNFD)
            }
        }
        let output = Compiler(workspace: "/nonexistent", today: Self.today).compile([customer.policy])
        #expect(!output.diagnostics.contains { $0.message.hasPrefix("duplicate rule") }, "\(output.diagnostics)")
        let bundle = try #require(output.bundles.first)
        let xml = String(decoding: try #require(bundle.files["applocker/acme.xml"]), as: UTF8.self)
        let fapolicyd = String(decoding: try #require(bundle.files["fapolicyd/rules.d/80-palisade-acme.rules"]), as: UTF8.self)
        // Compared as bytes: `String.contains` would find either spelling for the other.
        func has(_ text: String, _ part: String) -> Bool { text.utf8.firstRange(of: Array(part.utf8)) != nil }
        for path in [winNFC, winNFD] { #expect(has(xml, "Path=\"\(path)\""), "\(path.unicodeScalars.map(\.value))") }
        for (name, product) in [("O=A|B", "C"), ("O=A", "B|C"), ("O=\u{C9}DITEUR", "P"), ("O=E\u{301}DITEUR", "P")] {
            #expect(has(xml, "PublisherName=\"\(name)\" ProductName=\"\(product)\""), "\(name) \(product)")
        }
        for path in [nfc, nfd] { #expect(has(fapolicyd, "path=\(path)\n"), "\(path.unicodeScalars.map(\.value))") }
    }

    @Test func malformedLiteralHashes() {
        let line = #line
        let customer = Customer("acme", name: "Acme") {
            Linux {
                Deny.sha256("abc")
                Deny.sha256(String(repeating: "g", count: 64))
                Deny.sha256(Self.hashA + "00")
            }
        }
        let errors = compile([customer]).diagnostics.filter { $0.severity == .error }
        #expect(errors.map(\.location) == [at(line + 3), at(line + 4), at(line + 5)])
        #expect(errors.allSatisfy { $0.message.hasSuffix("is not a SHA-256 (64 hexadecimal digits)") })
    }

    @Test func missingReferenceFileAndTree() throws {
        let dir = try TemporaryDirectory()
        let line = #line
        let customer = Customer("acme", name: "Acme") {
            Linux {
                Allow.binary("bin/missing", at: "/opt/acme/missing")
                Allow.tree("images/missing", mountedAt: "/")
            }
        }
        let errors = compile([customer], workspace: dir.path).diagnostics.filter { $0.severity == .error }
        #expect(errors.count == 2)
        #expect(errors.first { $0.location == at(line + 3) }?.message
                == "reference file 'bin/missing' cannot be read: No such file or directory")
        #expect(errors.first { $0.location == at(line + 4) }?.message
                == "reference tree 'images/missing' cannot be read: No such file or directory")
    }

    @Test func badEndpointPaths() {
        let line = #line
        let customer = Customer("acme", name: "Acme") {
            Linux {
                Deny.path("usr/bin/relative")
                Deny.path("/opt/../etc/shadow")
                Deny.path("/opt/with\u{0}nul")
                Deny.path("/opt/new\nline")
                Deny.path("/opt/dir/")
            }
            Windows {
                Deny.path("/usr/bin/linux-style")
                Deny.path(#"Program Files\x.exe"#)
                Deny.path(#"%PROGRAMFILES%\..\x.exe"#)
                Deny.path(#"C:\Tools\x.exe"#)
                Deny.path("C:\\Tools\\..\\\u{301}x.exe")  // as Characters, '\' + accent hides the '..'
                Deny.path(#"C:\Tools\"#)
                Deny.path(#"C:\\Tools\x.exe"#)
                Deny.path(#"C:\Tools\x.exe:hidden"#)
                Deny.directory(#"C:\Tools\"#)
            }
        }
        let errors = compile([customer]).diagnostics.filter { $0.severity == .error }
        let lines = errors.compactMap(\.location?.line)
        #expect(lines == [3, 4, 5, 6, 7, 10, 11, 12, 14, 15, 16, 17].map { line + $0 })
        #expect(errors[8].message.hasSuffix("contains a '..' component"))
        #expect(errors[9].message.hasSuffix("ends with '\\'; name a file (a folder is Allow.directory or Deny.directory)"))
        #expect(errors[10].message.hasSuffix("contains an empty component ('\\\\')"))
        #expect(errors[11].message.hasSuffix("contains ':' after the drive (an alternate data stream or a device name)"))
        #expect(errors[0].message == "linux endpoint path 'usr/bin/relative' is relative; Linux endpoint paths start with '/'")
        #expect(errors[1].message.hasSuffix("contains a '..' component"))
        #expect(errors[2].message.hasSuffix("contains a NUL character"))
        // The newline is shown escaped: one diagnostic, one line.
        #expect(errors[3].description == "\(Self.file):\(line + 6): error: linux endpoint path '/opt/new\\x0aline' contains a control character")
        #expect(errors[5].message.hasSuffix("contains '/'; Windows paths use '\\'"))
        #expect(errors[6].message.contains("is not absolute"))
    }

    @Test func sidsAreMadeOfASCIIDigits() {
        let customer = Customer("acme", name: "Acme") {
            Windows {
                Allow.path(#"C:\Tools\x.exe"#).appliesTo(sid: "S-1-5-\u{FF13}\u{FF12}-545")  // fullwidth digits
                Allow.path(#"C:\Tools\y.exe"#).appliesTo(sid: "S-1-5-32-545")
            }
        }
        let errors = compile([customer]).diagnostics.filter { $0.severity == .error }
        #expect(errors.map(\.message) == ["'S-1-5-\u{FF13}\u{FF12}-545' is not a SID (S-1-…)"])
    }

    @Test func emptyCustomerAndBadIDs() {
        let line = #line
        let empty = Customer("empty", name: "Empty") {}
        let badID = Customer("Bad_ID", name: "Bad") { Linux { Deny.path("/x") } }
        let duplicate = Customer("empty", name: "Again") { Linux { Deny.path("/x") } }
        let diagnostics = compile([empty, badID, duplicate]).diagnostics.filter { $0.severity == .error }
        #expect(diagnostics.first { $0.location == at(line + 1) }?.message
                == "customer 'empty' has no rules; an empty allowlist would deny everything")
        #expect(diagnostics.first { $0.location == at(line + 2) }?.message
                == "customer id 'Bad_ID' may contain only lower-case letters, digits and '-'")
        let twice = diagnostics.first { $0.location == at(line + 3) }
        #expect(twice?.message == "customer id 'empty' is declared twice")
        #expect(twice?.notes.first?.location == at(line + 1))
    }

    @Test func expiry() {
        let line = #line
        let customer = Customer("acme", name: "Acme") {
            Linux {
                Allow.path("/opt/a", expires: "2026-11-29")
                Allow.path("/opt/b", expires: "2026-12-14")
                Allow.path("/opt/c", expires: "2026-12-15")
                Deny.path("/opt/d", expires: "2026-01-01")
                Allow.path("/opt/e", expires: "2026-02-30")
            }
        }
        let diagnostics = compile([customer]).diagnostics.filter { !$0.message.hasPrefix("allow by path alone") }
        func find(_ offset: Int) -> Diagnostic? { diagnostics.first { $0.location == at(line + offset) } }
        #expect(find(3)?.severity == .error)
        #expect(find(3)?.message == "allow (path) expired on 2026-11-29 for customer 'acme'; renew it or remove it")
        #expect(find(4)?.severity == .warning)
        #expect(find(4)?.message == "allow (path) expires on 2026-12-14 (in 14 days) for customer 'acme'")
        #expect(find(5) == nil)
        #expect(find(6)?.severity == .warning)
        #expect(find(6)?.message.contains("stays in force") == true)
        #expect(find(7)?.severity == .error)
        #expect(find(7)?.message == "expiry '2026-02-30' is not a date (YYYY-MM-DD)")
    }

    @Test func weakIdentitiesAreWarnings() {
        let line = #line
        let customer = Customer("acme", name: "Acme") {
            Linux {
                Allow.path("/opt/tool")
                Allow.directory("/opt/tools")
                Deny.path("/opt/bad")
            }
            Windows {
                Allow.publisher("*")
                Allow.publisher("O=CONTOSO", product: "*")
                Deny.publisher("*")
            }
        }
        let output = compile([customer])
        #expect(!output.hasErrors)
        let warnings = output.diagnostics.filter { $0.severity == .warning }
        #expect(warnings.map(\.location) == [at(line + 3), at(line + 4), at(line + 8)])
        #expect(warnings.last?.message.hasPrefix("allow of every signed file (publisher '*')") == true)
        #expect(warnings.allSatisfy { $0.customer == "acme" })
    }

    @Test func errorsWriteNothing() {
        let customer = Customer("acme", name: "Acme") { Linux { Deny.sha256("nothex") } }
        let output = compile([customer])
        #expect(output.hasErrors)
        #expect(output.bundles.isEmpty)
    }

    @Test func backendDiagnosticsNameTheBackend() {
        let diagnostic = Diagnostic.warning("hash-only rule cannot be enforced by path; verify checks it",
                                            at: PalisadeModel.SourceLocation(file: "policies/acme.swift", line: 20), backend: .apparmor)
        #expect(diagnostic.description == "policies/acme.swift:20: warning: [apparmor] hash-only rule cannot be enforced by path; verify checks it")
    }

    @Test func policyFilesMapToTheirFolder() {
        #expect(PalisadeModel.SourceLocation(fileID: "Policies/acme.swift", line: 3).description == "policies/acme.swift:3")
        #expect(PalisadeModel.SourceLocation(fileID: "Other/acme.swift", line: 3).description == "Other/acme.swift:3")
    }
}

@Suite("Linux endpoint paths")
struct LinuxEndpointPathTests {
    /// The byte scanner against the rules written out: components split on '/', after the first.
    static func expected(_ path: String, isDirectory: Bool) -> String? {
        if path.isEmpty { return "is empty" }
        if path.utf8.contains(0) { return "contains a NUL character" }
        if path.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) { return "contains a control character" }
        guard path.hasPrefix("/") else { return "is relative; Linux endpoint paths start with '/'" }
        let components = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        if components.contains("..") { return "contains a '..' component" }
        if components.contains(".") { return "contains a '.' component" }
        if components.dropLast().contains("") || (!isDirectory && path.hasSuffix("/") && path != "/") {
            return isDirectory ? "contains an empty component ('//')" : "ends with '/' or contains '//'; name a file"
        }
        return nil
    }

    @Test func everyShapeOfComponentIsJudgedAsWritten() {
        let parts = ["", ".", "..", "...", ".a", "a.", "a", "..a", "é", "a b"]
        var paths = ["", "/", "//", "a", "a/b", "/\u{7F}", "/a\u{0}b", "/a\nb"]
        for p in parts {
            for q in parts {
                paths += ["/\(p)", "/\(p)/\(q)", "/\(p)/\(q)/", "/x/\(p)//\(q)", "/\(p)/x/\(q)"]
            }
        }
        for path in paths {
            for isDirectory in [false, true] {
                #expect(EndpointPathCheck.problem(with: path, platform: .linux, isDirectory: isDirectory)
                        == Self.expected(path, isDirectory: isDirectory), "\(path.debugDescription) directory: \(isDirectory)")
            }
        }
    }
}
