@testable import PalisadeCompiler
import PalisadeModel
import PalisadeTestSupport
import Testing

/// The byte scans the checks and emitters use instead of Foundation or Character iteration.
@Suite struct ByteScanTests {
    static let digest = "9b13943527607982b1edc7b40220f2045bd510d3dee94a54c665c985e2cd47ff"

    /// Every byte value in every position class, against the plain definition.
    @Test func sha256DigitsMatchTheDefinition() {
        for allowingUpperCase in [false, true] {
            #expect(HexDigest.isSHA256(Self.digest, allowingUpperCase: allowingUpperCase))
            for position in [0, 31, 63] {
                for value in 0...255 {
                    var bytes = Array(Self.digest.utf8)
                    bytes[position] = UInt8(value)
                    let scalar = Unicode.Scalar(UInt8(value))
                    let expected = ("0"..."9").contains(scalar) || ("a"..."f").contains(scalar)
                        || (allowingUpperCase && ("A"..."F").contains(scalar))
                    // Bytes >= 0x80 alone are not UTF-8: put in the character instead (two bytes, so 65 in all).
                    let text = value < 0x80 ? String(decoding: bytes, as: UTF8.self)
                                            : String(Self.digest.prefix(position)) + String(scalar) + String(Self.digest.dropFirst(position + 1))
                    #expect(HexDigest.isSHA256(text, allowingUpperCase: allowingUpperCase) == expected,
                            "byte \(value) at \(position), upper-case \(allowingUpperCase)")
                }
            }
            #expect(!HexDigest.isSHA256(String(Self.digest.dropLast()), allowingUpperCase: allowingUpperCase))
            #expect(!HexDigest.isSHA256(Self.digest + "0", allowingUpperCase: allowingUpperCase))
            #expect(!HexDigest.isSHA256("", allowingUpperCase: allowingUpperCase))
        }
        #expect(HexDigest.isSHA256(Self.digest.uppercased(), allowingUpperCase: true))
        #expect(!HexDigest.isSHA256(Self.digest.uppercased(), allowingUpperCase: false))
    }

    @Test func singleLineEscapesControlAndInvisibleFormattingCharactersAndNothingElse() {
        for value in Array(0..<0x20) + [0x7F] {
            let text = "a\(Character(Unicode.Scalar(UInt8(value))))é"
            let hex = String(value, radix: 16)
            #expect(Diagnostic.singleLine(text) == "a\\x\(hex.count < 2 ? "0" + hex : hex)é", "\(value)")
            var bytes: [UInt8] = []
            Diagnostic.appendSingleLine(Array(text.utf8), to: &bytes)
            #expect(bytes == Array(Diagnostic.singleLine(text).utf8))
        }
        // What a terminal does not show but acts on: C1 controls, line and paragraph separators,
        // bidirectional marks, embeddings, overrides and isolates.
        for value: UInt32 in [0x80, 0x85, 0x9F, 0x61C, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A, 0x202D, 0x202E, 0x2066, 0x2069] {
            let text = "a\(Character(Unicode.Scalar(value)!))é"
            let hex = String(value, radix: 16)
            #expect(Diagnostic.singleLine(text) == "a\\u{\(String(repeating: "0", count: 4 - hex.count) + hex)}é", "\(value)")
            var bytes: [UInt8] = []
            Diagnostic.appendSingleLine(Array(text.utf8), to: &bytes)
            #expect(bytes == Array(Diagnostic.singleLine(text).utf8))
        }
        #expect(Diagnostic.singleLine("invoice\u{202E}fdp.exe\n") == "invoice\\u{202e}fdp.exe\\x0a")
        // Their neighbours in UTF-8 stay as they are.
        for text in ["", "plain", "caf\u{E9} \u{2026} \u{1D11E}", "\u{A0}\u{FF}\u{61B}\u{200D}\u{2027}\u{202F}\u{2030}\u{2065}\u{206A}",
                     "\u{1F468}\u{200D}\u{1F469}"] {
            #expect(Diagnostic.singleLine(text) == text)
            var bytes: [UInt8] = []
            Diagnostic.appendSingleLine(Array(text.utf8), to: &bytes)
            #expect(bytes == Array(text.utf8))
        }
    }

    /// The word-at-a-time search against the plain loop: every byte value at every position of
    /// buffers around the word size, on printable, high-byte and control backgrounds.
    @Test func firstControlMatchesTheByteLoop() {
        for (x, y, high) in [(UInt8(0x7F), UInt8(0x7F), false), (0x22, 0x5C, false), (0x7F, 0x7F, true)] {
            for background in [UInt8(0x61), 0x20, 0x7E, 0xC3, 0xFF, 0x1F] {
                for count in 0...19 {
                    for position in 0..<max(count, 1) {
                        for value in 0...255 {
                            var bytes = [UInt8](repeating: background, count: count)
                            if count > 0 { bytes[position] = UInt8(value) }
                            for start in [0, min(3, count), count] {
                                let expected = bytes.indices.dropFirst(start).first {
                                    bytes[$0] < 0x20 || bytes[$0] == x || bytes[$0] == y || (high && bytes[$0] >= 0x80)
                                } ?? count
                                let got = bytes.withUnsafeBufferPointer {
                                    ByteScan.firstControl(in: $0, from: start, or: x, y, orHighBytes: high)
                                }
                                if got != expected { Issue.record("\(bytes) from \(start): \(got), expected \(expected)") }
                            }
                        }
                    }
                }
            }
        }
    }

    /// AppArmor's escaper copies runs (into a growing buffer here); the other goes byte by byte: the same bytes.
    @Test func appArmorEscapeOfArraysMatchesTheGenericOne() {
        var random = SplitMix(seed: 3)
        let inputs = [Array(0...255).map(UInt8.init)] + (0..<200).map { _ in
            (0..<Int.random(in: 0...40, using: &random)).map { _ in
                Bool.random(using: &random) ? UInt8(ascii: "a") : UInt8.random(in: 0...255, using: &random)
            }
        }
        for bytes in inputs {
            var fast = ByteBuffer(capacity: 1), array: [UInt8] = [], bytewise: [UInt8] = []
            AppArmorEncoding.escape(bytes, into: &fast)
            AppArmorEncoding.escape(bytes, into: &array)
            AppArmorEncoding.escapeBytewise(bytes, into: &bytewise)
            #expect(fast.array == bytewise, "\(bytes)")
            #expect(array == bytewise, "\(bytes)")
        }
    }

    @Test func utf8ScansSeeEveryByte() {
        let texts = ["", "plain", "tab\there", "caf\u{E9}", String(repeating: "x", count: 100) + "\u{7F}"]
        for text in texts {
            let control = { (byte: UInt8) in byte < 0x20 || byte == 0x7F }
            #expect(text.containsUTF8Byte(where: control) == text.utf8.contains(where: control), "\(text.debugDescription)")
            #expect(text.allUTF8Bytes { $0 < 0x80 } == text.utf8.allSatisfy { $0 < 0x80 }, "\(text.debugDescription)")
        }
    }
}

/// The emitters' output buffer against an array fed the same appends.
@Suite struct ByteBufferTests {
    @Test(arguments: [1, 16, 1000]) func appendsMatchAnArray(capacity: Int) {
        var random = SplitMix(seed: UInt64(capacity))
        var buffer = ByteBuffer(capacity: capacity)
        var expected: [UInt8] = []
        #expect(buffer.isEmpty && buffer.last == nil)
        let texts = ["", "a", "caf\u{E9}", String(repeating: "xyz", count: 50), "\u{1D11E}"]
        for step in 0..<2_000 {
            switch Int.random(in: 0..<5, using: &random) {
            case 0:
                let byte = UInt8.random(in: 0...255, using: &random)
                buffer.append(byte); expected.append(byte)
            case 1:
                let bytes = (0..<Int.random(in: 0...300, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
                buffer.append(bytes); expected += bytes
            case 2:
                let text = texts.randomElement(using: &random)!, limit = Int.random(in: 0...10, using: &random)
                buffer.appendUTF8(text, maxBytes: limit); expected += text.utf8.prefix(limit)
            case 3:
                let value = [0, -1, 7, 1_000, Int.min, Int.max, step].randomElement(using: &random)!
                buffer.appendDecimal(value); expected += String(value).utf8
            default:
                if Int.random(in: 0..<50, using: &random) == 0 { buffer.removeAll(); expected.removeAll() }
            }
            #expect(buffer.count == expected.count && buffer.last == expected.last)
        }
        #expect(buffer.array == expected)
        #expect(buffer.withUnsafeBytes { Array($0) } == expected)
        buffer.appendDecimal(UInt64.max)
        #expect(buffer.array == expected + Array("18446744073709551615".utf8))
    }
}

/// Orders the compiler computes with decorated keys, against the plain comparison.
@Suite struct DecoratedOrderTests {
    /// `ConflictChecks` compares only neighbours in sortKey order; this compares every pair, the
    /// plain way, on random rule sets full of repeats: the same rules kept, the same diagnostics.
    @Test(arguments: 0..<30) func conflictsAndDuplicatesMatchAllPairs(seed: Int) {
        var random = SplitMix(seed: UInt64(seed))
        func pick<T>(_ values: [T]) -> T { values.randomElement(using: &random)! }
        let files = ["policies/acme.swift", "policies/baseline.swift", "policies/caf\u{E9}.swift",
                     "policies/cafe\u{301}.swift"]  // the last two are canonically equivalent
        let paths: [String?] = [nil, "/opt/a", "/opt/b/", "/opt/caf\u{E9}", "/opt/cafe\u{301}"]  // two files
        let hashes: [String?] = [nil, nil, String(repeating: "0123456789abcdef", count: 4),
                                 String(repeating: "fedcba9876543210", count: 4),
                                 "01234567" + String(repeating: "e", count: 56)]  // the same first 8 digits
        let rules: [ResolvedRule] = (0..<Int.random(in: 0...80, using: &random)).map { _ in
            let platform: Platform = pick([.linux, .linux, .windows])
            let path = pick(paths)
            return ResolvedRule(decision: pick([.allow, .allow, .deny]), platform: platform, sha256: pick(hashes),
                                path: path, pathMatch: path.map { $0.hasSuffix("/") ? .directory : .file },
                                windows: platform == .windows ? ResolvedWindowsAttributes(collection: pick([.exe, .script])) : nil,
                                provenance: Provenance(location: SourceLocation(file: pick(files), line: Int.random(in: 1...6, using: &random)),
                                                       source: pick(["sha256", "path", "tree"])))
        }
        let (checked, diagnostics) = ConflictChecks.check(ResolvedCustomer(
            id: "acme", displayName: "Acme", mode: .enforce, backendModes: [:], linuxConfinement: nil,
            rules: rules, location: SourceLocation(file: "policies/acme.swift", line: 1)))

        // The plain way: by source location (ties in sortKey order), every earlier rule compared.
        let sorted = rules.sorted(by: ResolvedRule.sortKey)
        let byLocation = sorted.indices.sorted { a, b in
            let (x, y) = (sorted[a].provenance.location, sorted[b].provenance.location)
            return x != y ? x < y : a < b
        }
        func bytes(_ text: String?) -> [UInt8]? { text.map { Array($0.utf8) } }
        func sameMatch(_ a: ResolvedRule, _ b: ResolvedRule) -> Bool {
            a.platform == b.platform && a.decision == b.decision && bytes(a.path) == bytes(b.path)
                && a.sha256 == b.sha256 && a.pathMatch == b.pathMatch && a.windows?.collection == b.windows?.collection
        }
        var keep = [Bool](repeating: false, count: sorted.count)
        var expected: [String] = []
        for index in byLocation {
            guard let first = byLocation.first(where: { keep[$0] && sameMatch(sorted[$0], sorted[index]) }) else {
                keep[index] = true
                continue
            }
            if sorted[first].provenance.source != "tree" && sorted[index].provenance.source != "tree" {
                expected.append("warning \(sorted[index].provenance.location) \(sorted[first].provenance.location)")
            }
        }
        for platform in Platform.allCases {
            let onPlatform = byLocation.filter { sorted[$0].platform == platform }
            func firstWith(_ decision: Decision, _ key: (ResolvedRule) -> [UInt8]?, _ value: [UInt8]) -> Int? {
                onPlatform.first { sorted[$0].decision == decision && key(sorted[$0]) == value }
            }
            let byHash: (ResolvedRule) -> [UInt8]? = { bytes($0.sha256) }
            let byPathOnly: (ResolvedRule) -> [UInt8]? = { $0.sha256 == nil ? bytes($0.path.map { "\($0.hasSuffix("/"))\($0)" }) : nil }
            for key in [byHash, byPathOnly] {
                for value in Set(onPlatform.compactMap { key(sorted[$0]) }) {
                    if let allow = firstWith(.allow, key, value), let deny = firstWith(.deny, key, value) {
                        expected.append("error \(sorted[allow].provenance.location) \(sorted[deny].provenance.location)")
                    }
                }
            }
        }
        #expect(checked.rules == sorted.indices.filter { keep[$0] }.map { sorted[$0] }, "seed \(seed)")
        let got = diagnostics.map { "\($0.severity) \($0.location!) \($0.notes[0].location!)" }
        #expect(got.sorted() == expected.sorted(), "seed \(seed)")
    }

    /// The AppArmor plan's table against a dictionary and a list of first insertions, on random
    /// updates that often repeat the key just inserted (rules come sorted by path).
    @Test(arguments: 0..<10) func insertionOrderedTableMatchesADictionary(seed: Int) {
        var random = SplitMix(seed: UInt64(seed))
        var table = InsertionOrderedTable<Int, [Int]>()
        var reference: [Int: [Int]] = [:], order: [Int] = []
        var last = 0
        for step in 0..<Int.random(in: 0...300, using: &random) {
            let key = Bool.random(using: &random) ? last : Int.random(in: 0..<40, using: &random)
            last = key
            table.update(key, initial: [-1]) { $0.append(step) }
            if reference[key] == nil { order.append(key) }
            reference[key, default: [-1]].append(step)
        }
        #expect(table.count == order.count, "seed \(seed)")
        let sorted = table.sorted()
        #expect(sorted.map(\.key) == order.sorted(), "seed \(seed)")
        #expect(sorted.allSatisfy { reference[$0.key] == $0.value }, "seed \(seed)")
        #expect(table.sorted { a, b in order.firstIndex(of: a)! < order.firstIndex(of: b)! }.map(\.key) == order)
    }

    @Test(arguments: 0..<20) func sortedByKeyMatchesSortKey(seed: Int) {
        var random = SplitMix(seed: UInt64(seed))
        let paths: [String?] = [nil, "/a", "/a/b", "/ab", "/a\u{E9}", "/ae\u{301}", "C:\\x", ""]
        let hashes: [String?] = [nil, String(repeating: "a", count: 64), String(repeating: "b", count: 64), "ab"]
        let rules = (0..<Int.random(in: 0...120, using: &random)).map { _ in
            ResolvedRule(decision: Bool.random(using: &random) ? .allow : .deny,
                         platform: Bool.random(using: &random) ? .linux : .windows,
                         sha256: hashes.randomElement(using: &random)!, path: paths.randomElement(using: &random)!,
                         provenance: Provenance(location: SourceLocation(file: "policies/x.swift",
                                                                         line: Int.random(in: 1...5, using: &random)),
                                                source: "sha256"))
        }
        let expected = rules.sorted(by: ResolvedRule.sortKey)
        #expect(rules.sortedByKey() == expected, "seed \(seed)")
        #expect(expected.sortedByKey() == expected)
    }
}
