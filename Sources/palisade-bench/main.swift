// palisade-bench: Crypto++ SHA-256 speed in memory, the ceiling for `palisade hash`.
//
// Not shipped to endpoints. Used by Tests/Benchmarks/bench-hash, which reads the key=value lines
// this prints. Hashes a buffer already in memory (no I/O, no copies) repeatedly, first on one
// thread, then on N threads at once, each with its own SHA-256 state and its own buffer.
//
//   palisade-bench [--threads N] [--buffer-mib M] [--passes P] [--repeats R]
//
// One measurement hashes the buffer P times per thread; R measurements are made and the median
// (and the best) is printed in bytes per second.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Dispatch
import Synchronization
import PalisadeCrypto

struct Config: Sendable {
    var threads = FileHasher.onlineCores
    var bufferMiB = 256
    var passes = 4
    var repeats = 5
    var bufferBytes: Int { bufferMiB << 20 }
}

func fail(_ message: String) -> Never {
    let text = Array("palisade-bench: \(message)\n".utf8)
    _ = text.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    exit(2)
}

func parseArguments() -> Config {
    var config = Config()
    var arguments = CommandLine.arguments.dropFirst()
    while let flag = arguments.popFirst() {
        func value() -> Int {
            guard let text = arguments.popFirst(), let n = Int(text), n > 0 else { fail("\(flag) needs a positive integer") }
            return n
        }
        switch flag {
        case "--threads": config.threads = value()
        case "--buffer-mib": config.bufferMiB = value()
        case "--passes": config.passes = value()
        case "--repeats": config.repeats = value()
        case "-h", "--help":
            print("usage: palisade-bench [--threads N] [--buffer-mib M] [--passes P] [--repeats R]")
            exit(0)
        default: fail("unknown argument \(flag)")
        }
    }
    return config
}

/// One buffer of pseudo-random bytes per thread, every page written before timing starts.
final class Buffers: @unchecked Sendable {
    let buffers: [UnsafeMutableRawBufferPointer]

    init(count: Int, bytes: Int) {
        buffers = (0..<count).map { index in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes, alignment: 4096)
            var x: UInt64 = 0x9E37_79B9_7F4A_7C15 &* UInt64(index + 1) | 1
            let words = buffer.bindMemory(to: UInt64.self)
            for i in words.indices {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17
                words[i] = x
            }
            return buffer
        }
    }

    deinit { buffers.forEach { $0.deallocate() } }

    subscript(index: Int) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(buffers[index]) }
}

/// Start and end times, one slot per worker; each slot is written by one worker only.
final class TimeSlots: @unchecked Sendable {
    private let starts: UnsafeMutableBufferPointer<Double>
    private let ends: UnsafeMutableBufferPointer<Double>

    init(count: Int) {
        starts = .allocate(capacity: count)
        starts.initialize(repeating: 0)
        ends = .allocate(capacity: count)
        ends.initialize(repeating: 0)
    }

    deinit {
        starts.deallocate()
        ends.deallocate()
    }

    func set(_ index: Int, start: Double, end: Double) {
        starts[index] = start
        ends[index] = end
    }

    var wall: Double { ends.max()! - starts.min()! }
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// Keeps the digests observable so that nothing can be optimised away.
let checksum = Atomic<UInt64>(0)

func hashPasses(_ buffer: UnsafeRawBufferPointer, passes: Int) {
    var hasher = SHA256()
    for _ in 0..<passes {
        hasher.update(buffer)
        let digest = hasher.finalize()
        checksum.add(UInt64(digest.bytes[0]), ordering: .relaxed)
    }
}

/// Runs `count` workers at once, each hashing its own buffer `passes` times, and returns the wall
/// time from the first worker's start to the last worker's end. No barrier: if the workers did
/// not really run in parallel, the wall time (and so the figure) shows it.
func measure(_ buffers: Buffers, count: Int, passes: Int) -> Double {
    let times = TimeSlots(count: count)
    DispatchQueue.concurrentPerform(iterations: count) { index in
        let start = now()
        hashPasses(buffers[index], passes: passes)
        times.set(index, start: start, end: now())
    }
    return times.wall
}

// Other benchmarks share this executable: `build` (compiler throughput), `loop` (the plainest
// file hasher, a yardstick for `palisade hash`), `verify-bundle` (set-up for Tests/Benchmarks/bench-verify).
switch CommandLine.arguments.dropFirst().first {
case "build":
    var customers = 1000, rules = 1000
    var rest = CommandLine.arguments.dropFirst(2)
    while let flag = rest.popFirst() {
        guard let text = rest.popFirst(), let n = Int(text), n > 0 else { fail("\(flag) needs a positive integer") }
        switch flag {
        case "--customers": customers = n
        case "--rules": rules = n
        default: fail("unknown argument \(flag)")
        }
    }
    SyntheticBuild.run(customers: customers, rules: rules)
    exit(0)
case "loop":
    let rest = Array(CommandLine.arguments.dropFirst(2))
    let modes: [String: BareLoop.Mode] = ["": .read, "--read-only": .readOnly, "--mapped": .mapped]
    guard rest.count == 1 || rest.count == 2, let mode = modes[rest.count == 2 ? rest[1] : ""] else {
        fail("usage: palisade-bench loop LIST [--read-only | --mapped]")
    }
    BareLoop.run(list: rest[0], mode: mode)
    exit(0)
case "verify-bundle":
    guard CommandLine.arguments.count == 4 else { fail("usage: palisade-bench verify-bundle ROOT OUT") }
    VerifyBundle.run(root: CommandLine.arguments[2], out: CommandLine.arguments[3])
    exit(0)
default:
    break
}

let config = parseArguments()
print("provider=\(SHA256.provider)")
print("online_cores=\(FileHasher.onlineCores)")
print("threads=\(config.threads)")
print("buffer_bytes=\(config.bufferBytes)")
print("passes=\(config.passes)")
print("repeats=\(config.repeats)")

let buffers = Buffers(count: config.threads, bytes: config.bufferBytes)
hashPasses(buffers[0], passes: 1)  // warm-up, not timed

let bytesPerWorker = Double(config.bufferBytes * config.passes)
var single: [Double] = []
for _ in 0..<config.repeats {
    single.append(bytesPerWorker / measure(buffers, count: 1, passes: config.passes))
}
var all: [Double] = []
for _ in 0..<config.repeats {
    all.append(bytesPerWorker * Double(config.threads) / measure(buffers, count: config.threads, passes: config.passes))
}

func integer(_ x: Double) -> String { String(Int64(x.rounded())) }
print("single_thread_bytes_per_s=\(integer(median(single)))")
print("single_thread_best_bytes_per_s=\(integer(single.max()!))")
print("all_cores_bytes_per_s=\(integer(median(all)))")
print("all_cores_best_bytes_per_s=\(integer(all.max()!))")
print("single_thread_times_threads_bytes_per_s=\(integer(median(single) * Double(config.threads)))")
print("checksum=\(checksum.load(ordering: .relaxed))")
