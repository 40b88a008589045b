import PalisadeCrypto

/// The Authenticode image hash of a PE file: SHA-256 (Crypto++) over the file without the
/// optional header's CheckSum, without the certificate table directory entry, and without the
/// attribute certificate table:
///
///     [0, CheckSum) + [CheckSum+4, CertEntry) + [CertEntry+8, END)
///
/// END is the certificate table's offset when the file is signed, else the file size (overlay
/// data included). An unsigned file whose size is not a multiple of 8 is hashed as if padded with
/// (8 − size % 8) zero bytes: signers pad it so before appending the signature, so signing keeps
/// the hash, and Windows (AppLocker, signature checks), osslsigncode and `pesign -P` agree.
/// This is AppLocker's `Type="SHA256"` hash for PE files.
public enum AuthenticodeHash {
    /// The byte ranges hashed, in order, and the zero padding appended.
    public static func layout(of image: PEImage) -> (ranges: [Range<Int64>], padding: Int) {
        let end = image.imageEnd
        let ranges = [0..<image.checksumOffset,
                      (image.checksumOffset + 4)..<image.certificateEntryOffset,
                      (image.certificateEntryOffset + 8)..<end]
        let padding = image.certificateTable == nil ? Int((8 - image.fileSize % 8) % 8) : 0
        return (ranges, padding)
    }

    /// Hashes `source`, whose headers `image` describes.
    public static func compute(_ image: PEImage, source: some ByteSource) throws(WindowsFileError) -> SHA256Digest {
        let (ranges, padding) = layout(of: image)
        guard ranges.allSatisfy({ $0.lowerBound <= $0.upperBound }) else {
            throw .malformedPE("the image ends inside the optional header")
        }
        var hasher = SHA256()
        for range in ranges { try source.hash(range, into: &hasher) }
        if padding > 0 { hasher.update([UInt8](repeating: 0, count: padding)) }
        return hasher.finalize()
    }

    /// Parses the headers and hashes: the one call most callers need.
    public static func compute(_ source: some ByteSource) throws(WindowsFileError) -> SHA256Digest {
        try compute(PEImage.parse(source), source: source)
    }
}
