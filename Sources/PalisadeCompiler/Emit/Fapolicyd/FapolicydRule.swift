import PalisadeModel

/// One line of a fapolicyd 1.1.7 rules file, as Palisade writes them: a decision, `perm=execute`,
/// the subject `all`, the lone `:` token, and one or two object fields.
///
/// Object values are only ever set through ``FapolicydRule/Object`` cases whose values were
/// checked with ``FapolicydValue/ruleValueProblem(_:)`` (paths) or are lower-case hashes, so a
/// rendered line always has exactly the fields it was built with.
public struct FapolicydRule: Hashable, Sendable {
    /// 1.1.7's decisions (case-sensitive). `_audit` sends a FANOTIFY audit event, `_syslog` a
    /// syslog line (`syslog_format`), `_log` both.
    public enum Decision: String, Hashable, Sendable, CaseIterable {
        case allow, deny
        case allowAudit = "allow_audit", denyAudit = "deny_audit"
        case allowSyslog = "allow_syslog", denySyslog = "deny_syslog"
        case allowLog = "allow_log", denyLog = "deny_log"
    }

    public enum Object: Hashable, Sendable {
        case all
        /// Exact path (`path=`).
        case path(String)
        /// Prefix (`dir=`), always ending in `/` because 1.1.7 compares with `strncmp`.
        case dir(String)
        /// `sha256hash=`, 64 lower-case hex digits.
        case sha256(String)
        /// `trust=1`: listed in a trust file (Palisade's trust.d file or any other trust source).
        case trusted

        /// Appends the field as the rule line writes it, e.g. `path=/usr/bin/a`.
        func append<Sink: ByteSink & ~Copyable>(to line: inout Sink) {
            switch self {
            case .all: line.appendUTF8("all")
            case .path(let p): line.appendUTF8("path="); line.appendUTF8(p)
            case .dir(let d): line.appendUTF8("dir="); line.appendUTF8(d)
            case .sha256(let h): line.appendUTF8("sha256hash="); line.appendUTF8(h)
            case .trusted: line.appendUTF8("trust=1")
            }
        }
    }

    public var decision: Decision
    /// The object: one field, or two with ``secondObject``.
    public var object: Object
    public var secondObject: Object?

    public init(_ decision: Decision, _ object: Object, _ secondObject: Object? = nil) {
        self.decision = decision
        self.object = object
        self.secondObject = secondObject
    }

    /// Appends the rule as a line, without the LF.
    func append<Sink: ByteSink & ~Copyable>(to line: inout Sink) {
        line.appendUTF8(decision.rawValue)
        line.appendUTF8(" perm=execute all : ")
        object.append(to: &line)
        if let secondObject {
            line.append(0x20)
            secondObject.append(to: &line)
        }
    }

    /// The rule as a line, without the LF.
    public var line: String {
        var bytes: [UInt8] = []
        append(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
