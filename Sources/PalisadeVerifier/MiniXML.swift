/// A small, strict-enough XML reader for AppLocker policy exports (`Get-AppLockerPolicy -Xml`):
/// elements, attributes, the five named entities and numeric references; comments, processing
/// instructions and text are skipped. No DTDs, no external entities — nothing is ever fetched.
/// Keeps the endpoint binary free of libxml2.
struct XMLElement: Equatable {
    var name: String
    var attributes: [String: String]
    var children: [XMLElement]

    func all(_ name: String) -> [XMLElement] {
        children.flatMap { ($0.name == name ? [$0] : []) + $0.all(name) }
    }
}

enum MiniXML {
    struct ParseError: Error, CustomStringConvertible {
        var description: String
    }

    /// Parses bytes in UTF-8, or UTF-16 with a byte-order mark (as PowerShell writes it).
    static func parse(_ bytes: [UInt8]) throws -> XMLElement {
        let text: String
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            let little = bytes[0] == 0xFF
            var units: [UInt16] = []
            var i = 2
            while i + 1 < bytes.count {
                units.append(little ? UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8 : UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1]))
                i += 2
            }
            text = String(decoding: units, as: UTF16.self)
        } else {
            text = String(decoding: bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes, as: UTF8.self)
        }
        var parser = Parser(scalars: Array(text.unicodeScalars))
        return try parser.document()
    }

    private struct Parser {
        var scalars: [Unicode.Scalar]
        var i = 0

        mutating func document() throws -> XMLElement {
            var root: XMLElement? = nil
            var stack: [XMLElement] = []
            while i < scalars.count {
                if scalars[i] != "<" { i += 1; continue }
                if starts("<?") { try skip(past: "?>"); continue }
                if starts("<!--") { try skip(past: "-->"); continue }
                if starts("<!") { throw ParseError(description: "DTDs and CDATA are not accepted") }
                if starts("</") {
                    i += 2
                    let name = readName()
                    skipSpace()
                    guard i < scalars.count, scalars[i] == ">" else { throw ParseError(description: "bad end tag </\(name)") }
                    i += 1
                    guard let open = stack.popLast(), open.name == name else { throw ParseError(description: "mismatched </\(name)>") }
                    if stack.isEmpty { root = open } else { stack[stack.count - 1].children.append(open) }
                    continue
                }
                i += 1
                let name = readName()
                guard !name.isEmpty else { throw ParseError(description: "empty element name") }
                var element = XMLElement(name: name, attributes: [:], children: [])
                while true {
                    skipSpace()
                    guard i < scalars.count else { throw ParseError(description: "unterminated <\(name)") }
                    if scalars[i] == ">" { i += 1; stack.append(element); break }
                    if starts("/>") {
                        i += 2
                        if stack.isEmpty { root = element } else { stack[stack.count - 1].children.append(element) }
                        break
                    }
                    let attribute = readName()
                    skipSpace()
                    guard !attribute.isEmpty, i < scalars.count, scalars[i] == "=" else { throw ParseError(description: "bad attribute in <\(name)>") }
                    i += 1
                    skipSpace()
                    guard i < scalars.count, scalars[i] == "\"" || scalars[i] == "'" else { throw ParseError(description: "unquoted attribute in <\(name)>") }
                    let quote = scalars[i]
                    i += 1
                    var raw = ""
                    while i < scalars.count, scalars[i] != quote { raw.unicodeScalars.append(scalars[i]); i += 1 }
                    guard i < scalars.count else { throw ParseError(description: "unterminated attribute in <\(name)>") }
                    i += 1
                    element.attributes[attribute] = try decodeEntities(raw)
                }
            }
            guard stack.isEmpty, let root else { throw ParseError(description: "unbalanced document") }
            return root
        }

        func starts(_ s: String) -> Bool {
            let p = Array(s.unicodeScalars)
            return i + p.count <= scalars.count && Array(scalars[i..<i + p.count]) == p
        }

        mutating func skip(past end: String) throws {
            while i < scalars.count, !starts(end) { i += 1 }
            guard i < scalars.count else { throw ParseError(description: "unterminated \(end)") }
            i += end.unicodeScalars.count
        }

        mutating func skipSpace() { while i < scalars.count, [" ", "\n", "\r", "\t"].contains(scalars[i]) { i += 1 } }

        mutating func readName() -> String {
            var name = ""
            while i < scalars.count, !" \n\r\t/>=".unicodeScalars.contains(scalars[i]) { name.unicodeScalars.append(scalars[i]); i += 1 }
            return name
        }

        func decodeEntities(_ raw: String) throws -> String {
            guard raw.contains("&") else { return raw }
            var out = ""
            var rest = Substring(raw)
            while let amp = rest.firstIndex(of: "&") {
                out += rest[..<amp]
                guard let semi = rest[amp...].firstIndex(of: ";") else { throw ParseError(description: "bad entity") }
                let entity = rest[rest.index(after: amp)..<semi]
                switch entity {
                case "amp": out += "&"
                case "lt": out += "<"
                case "gt": out += ">"
                case "quot": out += "\""
                case "apos": out += "'"
                default:
                    let number = entity.hasPrefix("#x") ? UInt32(entity.dropFirst(2), radix: 16)
                        : entity.hasPrefix("#") ? UInt32(entity.dropFirst(1)) : nil
                    guard let number, let scalar = Unicode.Scalar(number) else { throw ParseError(description: "unknown entity &\(entity);") }
                    out.unicodeScalars.append(scalar)
                }
                rest = rest[rest.index(after: semi)...]
            }
            return out + rest
        }
    }
}
