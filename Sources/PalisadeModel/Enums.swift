/// Whether a backend blocks (`enforce`) or only logs what it would block (`audit`).
public enum Mode: String, Codable, Hashable, Sendable, CaseIterable {
    case audit, enforce
}

/// The enforcers Palisade writes files for.
public enum Backend: String, Codable, Hashable, Sendable, CaseIterable, Comparable, CodingKeyRepresentable {
    case fapolicyd, apparmor, applocker

    public var platform: Platform {
        switch self {
        case .fapolicyd, .apparmor: return .linux
        case .applocker: return .windows
        }
    }

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

public enum Platform: String, Codable, Hashable, Sendable, CaseIterable, Comparable {
    case linux, windows
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

public enum Decision: String, Codable, Hashable, Sendable, Comparable {
    case allow, deny
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// What a file is, from its first bytes and mode.
public enum FileKind: String, Codable, Hashable, Sendable {
    case elf, pe, script, other

    /// ELF, PE (`MZ`), `#!` script or other, from a file's first bytes.
    public static func classify(head: [UInt8]) -> FileKind {
        if head.starts(with: [0x7F, 0x45, 0x4C, 0x46]) { return .elf }
        if head.starts(with: [0x4D, 0x5A]) { return .pe }
        if head.starts(with: [0x23, 0x21]) { return .script }
        return .other
    }

    /// What counts as a program: ELF, PE, `#!` scripts, and anything with an execute bit.
    public static func isExecutable(_ kind: FileKind, mode: UInt32) -> Bool {
        kind != .other || mode & 0o111 != 0
    }
}

/// A date without time or zone, as written in policies: `YYYY-MM-DD`.
public struct CalendarDate: Codable, Hashable, Sendable, Comparable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    /// The text as written; ``components`` is nil when it is not a valid date.
    public var text: String

    public init(_ text: String) { self.text = text }
    public init(stringLiteral value: String) { self.init(value) }

    public init(year: Int, month: Int, day: Int) {
        func pad(_ v: Int, _ w: Int) -> String { String(repeating: "0", count: max(0, w - String(v).count)) + String(v) }
        self.init("\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))")
    }

    public var components: (year: Int, month: Int, day: Int)? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              (1...12).contains(m), d >= 1, d <= CalendarDate.daysIn(month: m, year: y) else { return nil }
        return (y, m, d)
    }

    public var isValid: Bool { components != nil }

    /// Days since 1970-01-01 (proleptic Gregorian), for valid dates.
    public var dayNumber: Int? {
        guard let (y, m, d) = components else { return nil }
        // Howard Hinnant's days_from_civil.
        let yy = m <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public var description: String { text }

    public static func < (a: Self, b: Self) -> Bool { (a.dayNumber ?? .min, a.text) < (b.dayNumber ?? .min, b.text) }

    public init(from decoder: Decoder) throws { text = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(text)
    }
}
