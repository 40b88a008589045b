/// A top-level `let` of a policy file: the registry hands it to `CustomerRegistry.consider`.
struct TopLevelLet {
    /// As written, backticks included.
    var name: String
    var line: Int
}

/// Reads a policy file as Swift tokens — comments and string literals (raw, multi-line,
/// interpolated) skipped — and finds its top-level `let`s and every customer made where the
/// registry cannot see it.
enum PolicyFileScanner {
    struct Problem: Equatable {
        var line: Int
        var message: String
    }

    static func scan(_ bytes: [UInt8]) -> (declarations: [TopLevelLet], problems: [Problem]) {
        analyse(tokens(of: bytes))
    }

    // MARK: Tokens

    struct Token: Equatable {
        enum Kind { case word, punctuation, string }
        var kind: Kind
        var text: String
        var line: Int
    }

    private enum Mode {
        /// Code; inside a string interpolation `\( … )`, with its open parentheses.
        case code(interpolationParentheses: Int?)
        case string(hashes: Int, multiline: Bool)
    }

    static func tokens(of b: [UInt8]) -> [Token] {
        var tokens: [Token] = []
        var modes: [Mode] = [.code(interpolationParentheses: nil)]
        var line = 1
        var i = 0
        func at(_ k: Int) -> UInt8? { k < b.count ? b[k] : nil }
        /// `count` hashes start at `k`.
        func hashes(_ count: Int, at k: Int) -> Bool {
            guard k + count <= b.count else { return false }
            return b[k..<(k + count)].allSatisfy { $0 == UInt8(ascii: "#") }
        }
        func isWordByte(_ c: UInt8) -> Bool {
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c >= 0x80
        }
        while i < b.count {
            let c = b[i]
            switch modes[modes.count - 1] {
            case .string(let count, let multiline):
                if c == UInt8(ascii: "\n") { line += 1; i += 1; continue }
                if c == UInt8(ascii: "\\"), hashes(count, at: i + 1) {
                    let after = i + 1 + count
                    if at(after) == UInt8(ascii: "(") {
                        modes.append(.code(interpolationParentheses: 1))
                        i = after + 1
                    } else {
                        if at(after) == UInt8(ascii: "\n") { line += 1 }
                        i = after + 1
                    }
                    continue
                }
                if c == UInt8(ascii: "\"") {
                    let quotes = multiline ? 3 : 1
                    if (0..<quotes).allSatisfy({ at(i + $0) == UInt8(ascii: "\"") }), hashes(count, at: i + quotes) {
                        modes.removeLast()
                        i += quotes + count
                        continue
                    }
                }
                i += 1
            case .code(let parentheses):
                if c == UInt8(ascii: "\n") { line += 1; i += 1; continue }
                if c == 0x20 || c == 0x09 || c == 0x0D { i += 1; continue }
                if c == UInt8(ascii: "/"), at(i + 1) == UInt8(ascii: "/") {
                    while i < b.count, b[i] != UInt8(ascii: "\n") { i += 1 }
                    continue
                }
                if c == UInt8(ascii: "/"), at(i + 1) == UInt8(ascii: "*") {
                    var nesting = 1
                    i += 2
                    while i < b.count, nesting > 0 {
                        if b[i] == UInt8(ascii: "\n") { line += 1 }
                        if b[i] == UInt8(ascii: "/"), at(i + 1) == UInt8(ascii: "*") { nesting += 1; i += 2; continue }
                        if b[i] == UInt8(ascii: "*"), at(i + 1) == UInt8(ascii: "/") { nesting -= 1; i += 2; continue }
                        i += 1
                    }
                    continue
                }
                if c == UInt8(ascii: "#") || c == UInt8(ascii: "\"") {
                    var count = 0
                    while at(i + count) == UInt8(ascii: "#") { count += 1 }
                    if at(i + count) == UInt8(ascii: "\"") {
                        let start = i + count
                        let multiline = at(start + 1) == UInt8(ascii: "\"") && at(start + 2) == UInt8(ascii: "\"")
                        tokens.append(Token(kind: .string, text: "\"", line: line))
                        modes.append(.string(hashes: count, multiline: multiline))
                        i = start + (multiline ? 3 : 1)
                        continue
                    }
                }
                if c == UInt8(ascii: "`") {
                    var end = i + 1
                    while end < b.count, b[end] != UInt8(ascii: "`"), b[end] != UInt8(ascii: "\n") { end += 1 }
                    let word = String(decoding: b[i...min(end, b.count - 1)], as: UTF8.self)
                    tokens.append(Token(kind: .word, text: word, line: line))
                    i = end + 1
                    continue
                }
                if isWordByte(c) {
                    var end = i
                    while end < b.count, isWordByte(b[end]) { end += 1 }
                    tokens.append(Token(kind: .word, text: String(decoding: b[i..<end], as: UTF8.self), line: line))
                    i = end
                    continue
                }
                if let open = parentheses {
                    if c == UInt8(ascii: "(") {
                        modes[modes.count - 1] = .code(interpolationParentheses: open + 1)
                    } else if c == UInt8(ascii: ")") {
                        if open == 1 { modes.removeLast(); i += 1; continue }
                        modes[modes.count - 1] = .code(interpolationParentheses: open - 1)
                    }
                }
                if c == UInt8(ascii: "-"), at(i + 1) == UInt8(ascii: ">") {
                    tokens.append(Token(kind: .punctuation, text: "->", line: line))
                    i += 2
                    continue
                }
                tokens.append(Token(kind: .punctuation, text: String(UnicodeScalar(c)), line: line))
                i += 1
            }
        }
        return tokens
    }

    // MARK: Declarations

    static let notRegistrable = "Customer(...) here is not a top-level 'let NAME = Customer(...)' declaration, so it cannot be registered; declare each customer as a top-level let"

    static func analyse(_ tokens: [Token]) -> (declarations: [TopLevelLet], problems: [Problem]) {
        var declarations: [TopLevelLet] = []
        var problems: [Problem] = []
        /// Indices of `Customer` tokens that head the value of a registered top-level `let`.
        var registeredHeads = Set<Int>()
        func text(_ k: Int) -> String? { k >= 0 && k < tokens.count ? tokens[k].text : nil }
        func isCustomerType(at k: Int) -> Int? {
            // `Customer` or `PalisadeDSL.Customer`; returns the index of `Customer`.
            if text(k) == "Customer" { return k }
            if text(k) == "PalisadeDSL", text(k + 1) == ".", text(k + 2) == "Customer" { return k + 2 }
            return nil
        }
        var depth = 0
        for k in tokens.indices {
            let token = tokens[k]
            if token.kind == .punctuation {
                if token.text == "{" { depth += 1 } else if token.text == "}" { depth -= 1 }
                continue
            }
            guard token.kind == .word, token.text == "let" || token.text == "var" else { continue }
            guard let name = text(k + 1), tokens[k + 1].kind == .word else { continue }
            var after = k + 2
            var annotatedCustomer = false
            if text(after) == ":" {
                annotatedCustomer = isCustomerType(at: after + 1) != nil
                // Skip the type annotation up to `=` (outside brackets and parentheses).
                var nesting = 0
                after += 1
                while let t = text(after), !(nesting == 0 && (t == "=" || t == "{" || t == "}" || t == ";")) {
                    if t == "(" || t == "[" || t == "<" { nesting += 1 }
                    if t == ")" || t == "]" || t == ">" { nesting -= 1 }
                    after += 1
                }
            }
            let head = text(after) == "=" ? isCustomerType(at: after + 1) : nil
            guard depth == 0 else {
                if annotatedCustomer {
                    problems.append(Problem(line: token.line, message:
                        "customer '\(name)' is declared inside a type or function, so it cannot be registered; declare each customer as a top-level let"))
                }
                continue
            }
            var modifiers = k - 1
            var isPrivate = false
            while let t = text(modifiers), ["public", "internal", "package", "private", "fileprivate", "nonisolated", "unsafe", "(", ")", "set"].contains(t) {
                if t == "private" || t == "fileprivate" { isPrivate = true }
                modifiers -= 1
            }
            if token.text == "var" {
                if head != nil || annotatedCustomer {
                    problems.append(Problem(line: token.line, message: "declare customer '\(name)' with 'let', not 'var'"))
                    if let head { registeredHeads.insert(head) }
                }
            } else if isPrivate {
                if head != nil || annotatedCustomer {
                    problems.append(Problem(line: token.line, message:
                        "customer '\(name)' is private to its file, so the build cannot register it; remove 'private'"))
                    if let head { registeredHeads.insert(head) }
                }
            } else {
                declarations.append(TopLevelLet(name: name, line: token.line))
                if let head { registeredHeads.insert(head) }
            }
        }
        // Every other place a customer is made.
        for k in tokens.indices where tokens[k].kind == .word && tokens[k].text == "Customer" && !registeredHeads.contains(k) {
            if text(k - 1) == ".", text(k - 2) != "PalisadeDSL" { continue }  // another type's member
            let makes = text(k + 1) == "(" || (text(k + 1) == "." && text(k + 2) == "init")
            if makes { problems.append(Problem(line: tokens[k].line, message: notRegistrable)) }
        }
        problems.sort { $0.line < $1.line }
        return (declarations, problems)
    }
}
