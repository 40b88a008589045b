import PalisadeModel

/// One AppLocker rule as it will be written: a FilePathRule, FilePublisherRule or FileHashRule.
struct AppLockerRule: Hashable, Sendable {
    enum Condition: Hashable, Sendable {
        /// `FilePathCondition Path=`: AppLocker path syntax (`%WINDIR%\*`, `C:\Tools\x.exe`).
        case path(String)
        /// `FilePublisherCondition` with one `BinaryVersionRange`.
        case publisher(name: String, product: String, binary: String, low: String, high: String)
        /// `FileHash Type="SHA256"`: `data` is `0x` + 64 upper-case hex digits.
        case hash(data: String, fileName: String?, length: Int64?)

        var elementName: String {
            switch self {
            case .path: return "FilePathRule"
            case .publisher: return "FilePublisherRule"
            case .hash: return "FileHashRule"
            }
        }

        /// What the condition matches, for the rule Id (not the informational file name/length).
        var contentKey: String {
            switch self {
            case .path(let path): return "path\u{1F}" + path
            case .publisher(let name, let product, let binary, let low, let high):
                return ["publisher", name, product, binary, low, high].joined(separator: "\u{1F}")
            case .hash(let data, _, _): return "hash\u{1F}" + data
            }
        }

        /// The condition's XML lines at `indent`.
        func xml(indent: String) -> [String] {
            let a = AppLockerXMLText.attribute
            switch self {
            case .path(let path):
                return ["\(indent)<FilePathCondition Path=\"\(a(path))\" />"]
            case .publisher(let name, let product, let binary, let low, let high):
                return ["\(indent)<FilePublisherCondition PublisherName=\"\(a(name))\" ProductName=\"\(a(product))\" BinaryName=\"\(a(binary))\">",
                        "\(indent)  <BinaryVersionRange LowSection=\"\(a(low))\" HighSection=\"\(a(high))\" />",
                        "\(indent)</FilePublisherCondition>"]
            case .hash(let data, let fileName, let length):
                var hash = "\(indent)  <FileHash Type=\"SHA256\" Data=\"\(a(data))\""
                if let fileName { hash += " SourceFileName=\"\(a(AppLockerXMLText.freeText(fileName)))\"" }
                if let length { hash += " SourceFileLength=\"\(length)\"" }
                hash += " />"
                return ["\(indent)<FileHashCondition>", hash, "\(indent)</FileHashCondition>"]
            }
        }
    }

    var collection: AppLockerCollection
    var action: Decision
    var sid: String
    var name: String
    var description: String
    var condition: Condition
    /// Exceptions (path rules only, here): files the rule does not cover.
    var exceptions: [Condition] = []
    /// Microsoft's Id for a rule identical to one of its built-in default rules.
    var fixedID: String? = nil

    /// Everything that decides what the rule does; the rule Id is derived from it.
    var contentKey: String {
        ([collection.rawValue, action.rawValue, sid, condition.contentKey]
            + exceptions.map { "except\u{1F}" + $0.contentKey }).joined(separator: "\u{1E}")
    }

    func xml(id: String) -> [String] {
        let a = AppLockerXMLText.attribute
        let element = condition.elementName
        var lines = ["    <\(element) Id=\"\(id)\" Name=\"\(a(AppLockerXMLText.freeText(name)))\" Description=\"\(a(AppLockerXMLText.freeText(description)))\" UserOrGroupSid=\"\(a(sid))\" Action=\"\(action == .allow ? "Allow" : "Deny")\">",
                     "      <Conditions>"]
        lines += condition.xml(indent: "        ")
        lines.append("      </Conditions>")
        if !exceptions.isEmpty {
            lines.append("      <Exceptions>")
            for exception in exceptions { lines += exception.xml(indent: "        ") }
            lines.append("      </Exceptions>")
        }
        lines.append("    </\(element)>")
        return lines
    }
}
