#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation

/// Unbuffered writes to the standard streams, bytes as they are.
enum Terminal {
    static func write(_ bytes: [UInt8], to fd: Int32 = STDOUT_FILENO) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += n
            }
        }
    }

    static func out(_ text: String) { write(Array(text.utf8), to: STDOUT_FILENO) }
    static func err(_ text: String) { write(Array(text.utf8), to: STDERR_FILENO) }

    /// A progress line is shown only when stderr is a terminal.
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }
}

/// Buffers stdout writes into large blocks (hash output for 100k files is many small lines).
struct BufferedOutput: ~Copyable {
    private var buffer: [UInt8] = []
    private let fd: Int32

    init(fd: Int32 = STDOUT_FILENO) {
        self.fd = fd
        buffer.reserveCapacity(1 << 16)
    }

    mutating func append(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Lets `write` append to the buffer in place, for output made of many small pieces.
    mutating func append(_ write: (inout [UInt8]) -> Void) {
        write(&buffer)
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        Terminal.write(buffer, to: fd)
        buffer.removeAll(keepingCapacity: true)
    }

    deinit { Terminal.write(buffer, to: fd) }
}

/// Throttled progress on stderr, only on a terminal and only when the work is long.
final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var drawn = false
    /// False when stderr is not a terminal: then nothing is ever drawn.
    let enabled: Bool

    init(enabled: Bool = Terminal.stderrIsTerminal) { self.enabled = enabled }

    func update(_ text: @autoclosure () -> String) {
        guard enabled else { return }
        lock.lock(); defer { lock.unlock() }
        let now = Date()
        guard now.timeIntervalSince(start) > 1, now.timeIntervalSince(lastDraw) > 0.2 else { return }
        lastDraw = now
        drawn = true
        Terminal.err("\r\u{1B}[K" + text())
    }

    /// Writes `text` (whole lines) to stderr in place of the progress line, which the next
    /// update draws again below it.
    func interrupt(with text: String) {
        lock.lock(); defer { lock.unlock() }
        Terminal.err(drawn ? "\r\u{1B}[K" + text : text)
        drawn = false
    }

    func finish() {
        lock.lock(); defer { lock.unlock() }
        if drawn { Terminal.err("\r\u{1B}[K") }
    }
}
