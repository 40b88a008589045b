/// The line format of GNU `sha256sum` (coreutils 9), so `sha256sum -c` accepts what we print.
///
/// A name containing a backslash, a newline or a carriage return is escaped (`\\`, `\n`, `\r`)
/// and its line starts with a backslash; every other byte, non-UTF-8 included, is written as is.
public enum SHA256SumFormat {
    public static func line(digest: SHA256Digest, path: RawPath) -> [UInt8] {
        let needsEscape = path.bytes.contains { $0 == 0x5C || $0 == 0x0A || $0 == 0x0D }
        var out = [UInt8]()
        out.reserveCapacity(path.bytes.count + 68)
        if needsEscape { out.append(0x5C) }
        out.append(contentsOf: digest.hex.utf8)
        out.append(contentsOf: [0x20, 0x20])
        guard needsEscape else {
            out.append(contentsOf: path.bytes)
            out.append(0x0A)
            return out
        }
        for byte in path.bytes {
            switch byte {
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            default: out.append(byte)
            }
        }
        out.append(0x0A)
        return out
    }
}
