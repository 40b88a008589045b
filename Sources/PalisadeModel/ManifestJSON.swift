/// `manifest.json`'s bytes, written directly: the same bytes as `JSONEncoder` with sorted keys,
/// pretty printing and unescaped slashes (the bundle's canonical JSON), several times faster.
/// A manifest lists every rule, so on a large MSP it is most of what a build writes.
///
/// Members are written in byte order of their keys, optional members only when set, as the
/// synthesized `Codable` conformances do. `ManifestJSONTests` compares this with `JSONEncoder`
/// on manifests that set every field, so a field added to the model but not here fails there.
extension BundleManifest {
    public func canonicalJSON() -> [UInt8] {
        var json = PrettyJSONWriter(capacity: 512 + rules.count * 480)
        json.beginObject()
        json.key("customer"); write(customer, &json)
        json.key("files")
        json.beginObject()
        for path in files.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            let record = files[path]!
            json.key(path)
            json.beginObject()
            json.member("sha256", record.sha256)
            json.key("size"); json.integer(record.size)
            json.endObject()
        }
        json.endObject()
        json.key("manifestVersion"); json.integer(manifestVersion)
        json.key("modelVersion"); json.integer(modelVersion)
        json.key("rules")
        json.beginArray()
        for index in rules.indices {  // by index: `for rule in rules` copies each rule
            json.element()
            rules[index].write(&json)
        }
        json.endArray()
        json.endObject()
        json.finish()
        return json.bytes
    }

    private func write(_ customer: CustomerInfo, _ json: inout PrettyJSONWriter) {
        json.beginObject()
        json.member("displayName", customer.displayName)
        json.member("id", customer.id)
        if let confinement = customer.linuxConfinement {
            json.key("linuxConfinement")
            json.beginObject()
            json.key("loginShells")
            json.beginArray()
            for shell in confinement.loginShells {
                json.element()
                json.string(shell)
            }
            json.endArray()
            json.key("pamHat"); json.bool(confinement.pamHat)
            json.endObject()
        }
        json.key("modes")
        json.beginObject()
        for backend in customer.modes.keys.sorted(by: { $0.rawValue.utf8.lexicographicallyPrecedes($1.rawValue.utf8) }) {
            json.member(backend.rawValue, customer.modes[backend]!.rawValue)
        }
        json.endObject()
        json.endObject()
    }
}

/// The member names written for every rule, encoded once.
private enum RuleKey {
    typealias Key = PrettyJSONWriter.Key
    static let decision = Key("decision"), fileKind = Key("fileKind"), path = Key("path")
    static let pathMatch = Key("pathMatch"), platform = Key("platform"), provenance = Key("provenance")
    static let sha256 = Key("sha256"), size = Key("size"), windows = Key("windows")
    static let baseline = Key("baseline"), expires = Key("expires"), location = Key("location")
    static let file = Key("file"), line = Key("line"), owner = Key("owner"), reason = Key("reason")
    static let reference = Key("reference"), source = Key("source"), ticket = Key("ticket")
}

/// The members whose value is one of a few names, encoded once.
private enum RuleMember {
    typealias Member = PrettyJSONWriter.Member
    static let allow = Member(RuleKey.decision, Decision.allow.rawValue)
    static let deny = Member(RuleKey.decision, Decision.deny.rawValue)
    static let linux = Member(RuleKey.platform, Platform.linux.rawValue)
    static let windows = Member(RuleKey.platform, Platform.windows.rawValue)
    static let file = Member(RuleKey.pathMatch, PathMatch.file.rawValue)
    static let directory = Member(RuleKey.pathMatch, PathMatch.directory.rawValue)
    static let elf = Member(RuleKey.fileKind, FileKind.elf.rawValue)
    static let pe = Member(RuleKey.fileKind, FileKind.pe.rawValue)
    static let script = Member(RuleKey.fileKind, FileKind.script.rawValue)
    static let other = Member(RuleKey.fileKind, FileKind.other.rawValue)

    static func of(_ decision: Decision) -> Member {
        switch decision { case .allow: allow; case .deny: deny }
    }
    static func of(_ platform: Platform) -> Member {
        switch platform { case .linux: linux; case .windows: windows }
    }
    static func of(_ match: PathMatch) -> Member {
        switch match { case .file: file; case .directory: directory }
    }
    static func of(_ kind: FileKind) -> Member {
        switch kind { case .elf: elf; case .pe: pe; case .script: script; case .other: other }
    }
}

extension ResolvedRule {
    func write(_ json: inout PrettyJSONWriter) {
        json.beginObject()
        json.member(RuleMember.of(decision))
        if let fileKind { json.member(RuleMember.of(fileKind)) }
        if let path { json.member(RuleKey.path, path) }
        if let pathMatch { json.member(RuleMember.of(pathMatch)) }
        json.member(RuleMember.of(platform))
        json.key(RuleKey.provenance); provenance.write(&json)
        if let sha256 { json.member(RuleKey.sha256, sha256) }
        if let size { json.key(RuleKey.size); json.integer(size) }
        if let windows { json.key(RuleKey.windows); windows.write(&json) }
        json.endObject()
    }
}

extension Provenance {
    func write(_ json: inout PrettyJSONWriter) {
        json.beginObject()
        if let baseline { json.member(RuleKey.baseline, baseline) }
        if let expires { json.member(RuleKey.expires, expires.text) }
        json.key(RuleKey.location)
        json.beginObject()
        json.member(RuleKey.file, location.file)
        json.key(RuleKey.line); json.integer(location.line)
        json.endObject()
        if let owner { json.member(RuleKey.owner, owner) }
        if let reason { json.member(RuleKey.reason, reason) }
        if let reference { json.member(RuleKey.reference, reference) }
        json.member(RuleKey.source, source)
        if let ticket { json.member(RuleKey.ticket, ticket) }
        json.endObject()
    }
}

extension ResolvedWindowsAttributes {
    func write(_ json: inout PrettyJSONWriter) {
        json.beginObject()
        if let appLockerHash { json.member("appLockerHash", appLockerHash) }
        json.member("collection", collection.rawValue)
        if let publisher {
            json.key("publisher")
            json.beginObject()
            json.member("binaryName", publisher.binaryName)
            if let highVersion = publisher.highVersion { json.member("highVersion", highVersion) }
            if let lowVersion = publisher.lowVersion { json.member("lowVersion", lowVersion) }
            json.member("product", publisher.product)
            json.member("publisher", publisher.publisher)
            if let reference = publisher.reference { json.member("reference", reference) }
            json.endObject()
        }
        json.member("userOrGroupSID", userOrGroupSID)
        json.endObject()
    }
}
