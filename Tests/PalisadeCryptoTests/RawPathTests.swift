import PalisadeCrypto
import Testing

@Suite("RawPath display")
struct RawPathTests {
    /// Names that are not UTF-8 stay apart when shown: each invalid byte as `\xHH`, valid
    /// characters around them as they are.
    @Test func invalidBytesAreShownEscapedAndDistinct() {
        func shown(_ bytes: [UInt8]) -> String { RawPath(bytes: bytes).displayText }
        #expect(shown(Array("/opt/café".utf8)) == "/opt/café")
        #expect(shown(Array("/opt/x".utf8) + [0xFF]) == #"/opt/x\xff"#)
        #expect(shown(Array("/opt/x".utf8) + [0xFE]) == #"/opt/x\xfe"#)
        #expect(shown(Array("é".utf8) + [0xFF] + Array("é".utf8)) == #"é\xffé"#)
        #expect(shown([0xE2, 0x80]) == #"\xe2\x80"#)                        // a cut sequence
        #expect(shown([0xC0, 0xAF]) == #"\xc0\xaf"#)                        // an overlong '/'
        #expect(shown([0xED, 0xA0, 0x80, 0x41]) == #"\xed\xa0\x80A"#)      // a surrogate
    }
}
