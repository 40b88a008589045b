#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The line format of GNU `sha256sum` (coreutils 9), so `sha256sum -c` accepts what we print.
///
/// A name containing a backslash, a newline or a carriage return is escaped (`\\`, `\n`, `\r`)
/// and its line starts with a backslash; every other byte, non-UTF-8 included, is written as is.
public enum SHA256SumFormat {
    /// Appends the line for one file to `out` (no array or string of its own per line).
    public static func appendLine(digest: SHA256Digest, path: RawPath, to out: inout [UInt8]) {
        // memchr looks at many bytes a step; a loop over the name cost more than the rest of the line.
        let needsEscape = path.bytes.withUnsafeBytes { name in
            guard let base = name.baseAddress else { return false }
            return memchr(base, 0x5C, name.count) != nil || memchr(base, 0x0A, name.count) != nil
                || memchr(base, 0x0D, name.count) != nil
        }
        if needsEscape { out.append(0x5C) }
        digest.appendHex(to: &out)
        out.append(0x20)
        out.append(0x20)
        guard needsEscape else {
            out.append(contentsOf: path.bytes)
            out.append(0x0A)
            return
        }
        for byte in path.bytes {
            switch byte {
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case 0x0A: out.append(0x5C); out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(0x5C); out.append(UInt8(ascii: "r"))
            default: out.append(byte)
            }
        }
        out.append(0x0A)
    }
}
