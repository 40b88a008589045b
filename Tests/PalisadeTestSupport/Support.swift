import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The result of running a program.
public struct RunResult: Sendable {
    public var status: Int32
    public var stdout: Data
    public var stderr: Data
    public var timedOut: Bool

    public var out: String { String(decoding: stdout, as: UTF8.self) }
    public var err: String { String(decoding: stderr, as: UTF8.self) }
}

/// Runs `executable` with `arguments`; kills it after `timeout` seconds (then `timedOut` is true).
@discardableResult
public func run(_ executable: String, _ arguments: [String], cwd: String? = nil,
                environment: [String: String]? = nil, stdin: Data? = nil,
                timeout: TimeInterval = 120) throws -> RunResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
    if let environment {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    let outPipe = Pipe(), errPipe = Pipe(), inPipe = Pipe()
    process.standardOutput = outPipe
    process.standardError = errPipe
    process.standardInput = inPipe
    let collected = Collected()
    let group = DispatchGroup()
    for (pipe, isOut) in [(outPipe, true), (errPipe, false)] {
        group.enter()
        DispatchQueue.global().async {
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            collected.set(data, isOut: isOut)
            group.leave()
        }
    }
    try process.run()
    if let stdin { inPipe.fileHandleForWriting.write(stdin) }
    try? inPipe.fileHandleForWriting.close()
    let deadline = Date().addingTimeInterval(timeout)
    var timedOut = false
    while process.isRunning {
        if Date() > deadline {
            timedOut = true
            kill(process.processIdentifier, SIGKILL)
            break
        }
        usleep(10_000)
    }
    process.waitUntilExit()
    group.wait()
    return RunResult(status: process.terminationStatus, stdout: collected.out, stderr: collected.err,
                     timedOut: timedOut)
}

private final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var _out = Data(), _err = Data()
    func set(_ data: Data, isOut: Bool) { lock.lock(); if isOut { _out = data } else { _err = data }; lock.unlock() }
    var out: Data { lock.lock(); defer { lock.unlock() }; return _out }
    var err: Data { lock.lock(); defer { lock.unlock() }; return _err }
}

/// Locations of the package and its built products.
public enum Paths {
    /// The package root (found from this file's location).
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    /// The folder with the built executables: beside the running test bundle.
    public static let productsDirectory: URL = {
        if let override = ProcessInfo.processInfo.environment["PALISADE_PRODUCTS"] {
            return URL(fileURLWithPath: override)
        }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("palisade").path) { return url }
        }
        return packageRoot.appendingPathComponent(".build/debug")
    }()

    public static var palisade: String { productsDirectory.appendingPathComponent("palisade").path }
    public static var endpoint: String { productsDirectory.appendingPathComponent("palisade-endpoint").path }
}

/// A fresh temporary directory, removed by `cleanup()`.
public final class TemporaryDirectory: @unchecked Sendable {
    public let url: URL
    public var path: String { url.path }

    public init(_ label: String = "palisade-test") throws {
        let template = FileManager.default.temporaryDirectory.appendingPathComponent("\(label).XXXXXX").path
        var bytes = Array(template.utf8CString)
        guard mkdtemp(&bytes) != nil else { throw POSIXError(.EIO) }
        url = URL(fileURLWithPath: String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        chmod(url.path, 0o755)
    }

    public func cleanup() {
        // Restore permissions first so mode-000 fixtures can be removed.
        _ = try? run("/bin/chmod", ["-R", "u+rwx", path])
        try? FileManager.default.removeItem(at: url)
    }

    deinit { cleanup() }

    /// Writes `contents` at a path relative to this directory (given as raw bytes), creating parents.
    @discardableResult
    public func write(_ relative: [UInt8], _ contents: [UInt8], mode: mode_t = 0o644) throws -> [UInt8] {
        var full = Array(path.utf8) + [0x2F] + relative
        // Parents made on bytes, so their names need not be UTF-8.
        for (index, byte) in relative.enumerated() where byte == 0x2F && index > 0 {
            let parent = Array(path.utf8) + [0x2F] + relative[..<index] + [0]
            let made = parent.withUnsafeBufferPointer { mkdir(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), 0o755) }
            guard made == 0 || errno == EEXIST else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        }
        full.append(0)
        let fd = full.withUnsafeBufferPointer { open(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), O_WRONLY | O_CREAT | O_TRUNC, mode) }
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        var offset = 0
        try contents.withUnsafeBytes { raw in
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                guard n > 0 else { throw POSIXError(.EIO) }
                offset += n
            }
        }
        _ = full.withUnsafeBufferPointer { chmod(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), mode) }
        full.removeLast()
        return full
    }

    @discardableResult
    public func write(_ relative: String, _ contents: String, mode: mode_t = 0o644) throws -> String {
        String(decoding: try write(Array(relative.utf8), Array(contents.utf8), mode: mode), as: UTF8.self)
    }
}

/// True when running as root (CI does).
public var isRoot: Bool { geteuid() == 0 }

/// True when `name` is on PATH.
public func which(_ name: String) -> String? {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let candidate = "\(dir)/\(name)"
        if access(candidate, X_OK) == 0 { return candidate }
    }
    return nil
}

/// A small deterministic generator (SplitMix64) for test data, so a failure can be replayed
/// from its seed.
public struct SplitMix: RandomNumberGenerator {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Runs `body` on a thread of its own and waits for it at most `seconds`: its result, or nil when
/// it has not returned by then. For code that can block (semaphores, locks): Swift Testing's
/// `.timeLimit` cannot interrupt it, because its cancellation is cooperative. A deadlock then fails
/// the test instead of hanging the whole run; the stuck thread is left behind.
public func result<T: Sendable>(within seconds: Double, of body: @escaping @Sendable () -> T) -> T? {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    Thread {
        let value = body()
        box.lock.lock(); box.value = value; box.lock.unlock()
        done.signal()
    }.start()
    guard done.wait(timeout: .now() + seconds) == .success else { return nil }
    box.lock.lock(); defer { box.lock.unlock() }
    return box.value
}

/// Where ``result(within:of:)``'s thread leaves the result.
private final class ResultBox<T>: @unchecked Sendable {
    let lock = NSLock()
    var value: T?
}
