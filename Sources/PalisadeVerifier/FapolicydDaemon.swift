#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation

/// The running fapolicyd, as `/proc` shows it: whether it runs and when it started. fapolicyd
/// 1.1.7 reads its rules and its configuration only at start, so a daemon older than the last
/// change of `compiled.rules` or `fapolicyd.conf` still enforces the previous ones. Reads only.
struct FapolicydDaemon {
    /// The process table to read (`/proc`; a fixture in tests).
    var procDirectory: String

    enum State: Equatable {
        /// Since when the oldest process named `fapolicyd` runs, in seconds since the epoch.
        case running(since: Double)
        case notRunning
        case unknown(String)
    }

    func state() -> State {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: procDirectory) else {
            return .unknown("\(procDirectory) cannot be read")
        }
        guard let bootTime = bootTime() else { return .unknown("\(procDirectory)/stat has no btime") }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        var oldest: Double?
        for pid in names where !pid.isEmpty && pid.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            guard let comm = FileManager.default.contents(atPath: "\(procDirectory)/\(pid)/comm"),
                  String(decoding: comm, as: UTF8.self).trimmingCharacters(in: .newlines) == "fapolicyd",
                  let stat = FileManager.default.contents(atPath: "\(procDirectory)/\(pid)/stat"),
                  let started = Self.startTicks(stat: Array(stat)) else { continue }
            let start = bootTime + Double(started) / ticks
            oldest = min(oldest ?? start, start)
        }
        return oldest.map { .running(since: $0) } ?? .notRunning
    }

    /// `btime` of `/proc/stat`: when the system booted, in seconds since the epoch.
    func bootTime() -> Double? {
        guard let data = FileManager.default.contents(atPath: "\(procDirectory)/stat") else { return nil }
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst("btime ".count).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    /// Field 22 of `/proc/PID/stat` (start time, in clock ticks after boot). The name in field 2
    /// may hold spaces and parentheses, so fields are counted from its last `)`.
    static func startTicks(stat: [UInt8]) -> UInt64? {
        guard let close = stat.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = stat[(close + 1)...].split(separator: UInt8(ascii: " "))
        // fields[0] is field 3 (state), so field 22 is fields[19].
        guard fields.count > 19 else { return nil }
        return UInt64(String(decoding: fields[19], as: UTF8.self))
    }
}
