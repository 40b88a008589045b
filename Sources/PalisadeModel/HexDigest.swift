/// Checks on hexadecimal digests, shared by the policy checks and the emitters.
public enum HexDigest {
    /// Whether `text` is 64 hexadecimal digits (lower-case only unless `allowingUpperCase`).
    /// Branch-free per byte: it runs once per rule on every literal and resolved hash.
    public static func isSHA256(_ text: String, allowingUpperCase: Bool) -> Bool {
        guard text.utf8.count == 64 else { return false }
        let fold: UInt8 = allowingUpperCase ? 0x20 : 0  // maps A–F onto a–f
        func bad(_ bytes: some Sequence<UInt8>) -> UInt8 {
            var bad: UInt8 = 0
            for byte in bytes {
                let notDigit: UInt8 = byte &- 0x30 < 10 ? 0 : 1
                let notLetter: UInt8 = (byte | fold) &- 0x61 < 6 ? 0 : 1
                bad |= notDigit & notLetter
            }
            return bad
        }
        return (text.utf8.withContiguousStorageIfAvailable { bad($0) } ?? bad(text.utf8)) == 0
    }
}
