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
        func append(to line: inout String) {
            switch self {
            case .all: line += "all"
            case .path(let p): line += "path="; line += p
            case .dir(let d): line += "dir="; line += d
            case .sha256(let h): line += "sha256hash="; line += h
            case .trusted: line += "trust=1"
            }
        }

        /// An upper bound of the appended field's length in bytes.
        var maximumLength: Int {
            switch self {
            case .all, .trusted: return 7
            case .path(let value), .dir(let value), .sha256(let value): return 11 + value.utf8.count
            }
        }
    }

    public var decision: Decision
    public var objects: [Object]

    public init(_ decision: Decision, _ objects: [Object]) {
        self.decision = decision
        self.objects = objects
    }

    /// The rule as a line, without the LF.
    public var line: String {
        var line = ""
        line.reserveCapacity(32 + objects.reduce(0) { $0 + 1 + $1.maximumLength })
        line += decision.rawValue
        line += " perm=execute all :"
        for object in objects {
            line += " "
            object.append(to: &line)
        }
        return line
    }
}
