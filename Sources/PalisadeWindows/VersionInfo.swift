/// The VERSIONINFO resource of a PE file: the fixed file and product versions, and the strings of
/// its first string table (ProductName, OriginalFilename, CompanyName…).
///
/// Found through the resource directory (data directory #2): type 16 (RT_VERSION), then the first
/// name, then the first language. The resource is a tree of blocks, each
/// `wLength, wValueLength, wType, szKey (UTF-16, NUL), padding to 4, Value, padding, Children`;
/// the root's value is VS_FIXEDFILEINFO (signature 0xFEEF04BD). Every length and offset is
/// bounds-checked; a broken resource yields nil, never a trap.
public struct VersionInfo: Hashable, Sendable {
    /// The 4-part file version from VS_FIXEDFILEINFO (`dwFileVersionMS`/`LS`), e.g. "10.0.19041.1".
    public var fileVersion: String?
    /// The 4-part product version from VS_FIXEDFILEINFO.
    public var productVersion: String?
    /// The strings of the first StringTable, keyed as written ("ProductName", "OriginalFilename"…).
    public var strings: [String: String]

    public var productName: String? { strings["ProductName"] }
    public var originalFilename: String? { strings["OriginalFilename"] }
    public var companyName: String? { strings["CompanyName"] }

    static let rtVersion: UInt32 = 16
    /// Version resources are a few KB; anything larger is refused as implausible.
    static let maxResourceSize: UInt32 = 1 << 20
    static let maxDirectoryEntries = 4096

    /// Reads the version resource, or nil when the file has none or it is unreadable.
    public static func read(_ image: PEImage, source: some ByteSource) -> VersionInfo? {
        guard let bytes = try? resourceBytes(image, source: source) else { return nil }
        return parse(bytes)
    }

    /// Walks the resource directory to the RT_VERSION data.
    static func resourceBytes(_ image: PEImage, source: some ByteSource) throws(WindowsFileError) -> [UInt8]? {
        guard image.dataDirectories.count > 2 else { return nil }
        let directory = image.dataDirectories[2]
        guard directory.address != 0, directory.size >= 16,
              let base = image.fileOffset(rva: directory.address, count: directory.size) else { return nil }
        let tree = LittleEndianBytes(try source.read(at: base, count: Int(directory.size)))

        // Level 1: the RT_VERSION type; levels 2 and 3: the first name, the first language.
        guard let typeEntry = entries(tree, at: 0).first(where: { $0.id == rtVersion }), typeEntry.isDirectory,
              let nameEntry = entries(tree, at: typeEntry.offset).first, nameEntry.isDirectory,
              let languageEntry = entries(tree, at: nameEntry.offset).first, !languageEntry.isDirectory,
              let dataRVA = tree.u32(languageEntry.offset), let dataSize = tree.u32(languageEntry.offset + 4),
              dataSize > 0, dataSize <= maxResourceSize,
              let dataOffset = image.fileOffset(rva: dataRVA, count: dataSize) else { return nil }
        return try source.read(at: dataOffset, count: Int(dataSize))
    }

    struct Entry {
        var id: UInt32?
        var isDirectory: Bool
        var offset: Int
    }

    /// The entries of the resource directory at `offset` (relative to the resource section).
    static func entries(_ tree: LittleEndianBytes, at offset: Int) -> [Entry] {
        guard let named = tree.u16(offset + 12), let ids = tree.u16(offset + 14) else { return [] }
        let count = min(Int(named) + Int(ids), maxDirectoryEntries)
        var out: [Entry] = []
        for i in 0..<count {
            let at = offset + 16 + 8 * i
            guard let name = tree.u32(at), let target = tree.u32(at + 4) else { break }
            let isName = name & 0x8000_0000 != 0
            let targetOffset = Int(target & 0x7FFF_FFFF)
            // A directory must point forward, past its own header: cycles are impossible then.
            if target & 0x8000_0000 != 0 && targetOffset <= offset { continue }
            out.append(Entry(id: isName ? nil : name, isDirectory: target & 0x8000_0000 != 0, offset: targetOffset))
        }
        return out
    }

    /// Parses VS_VERSIONINFO bytes.
    public static func parse(_ bytes: [UInt8]) -> VersionInfo? {
        let data = LittleEndianBytes(bytes)
        guard let root = Block.read(data, at: 0, end: bytes.count), root.key == "VS_VERSION_INFO" else { return nil }
        var info = VersionInfo(strings: [:])
        if root.valueLength >= 52, let fixed = data.slice(root.valueOffset, 52) {
            let f = LittleEndianBytes(Array(fixed))
            if f.u32(0) == 0xFEEF_04BD {
                info.fileVersion = fourPart(f.u32(8)!, f.u32(12)!)
                info.productVersion = fourPart(f.u32(16)!, f.u32(20)!)
            }
        }
        for child in root.children(data) where child.key == "StringFileInfo" {
            // The first string table; its key is the language and code page, e.g. "040904b0".
            guard let table = child.children(data).first else { continue }
            for string in table.children(data) {
                guard let key = string.key, info.strings[key] == nil else { continue }
                info.strings[key] = string.textValue(data)
            }
            break
        }
        return info
    }

    static func fourPart(_ ms: UInt32, _ ls: UInt32) -> String {
        "\(ms >> 16).\(ms & 0xFFFF).\(ls >> 16).\(ls & 0xFFFF)"
    }

    /// One block of the version resource tree.
    struct Block {
        var start: Int
        var end: Int
        var valueLength: Int
        var type: UInt16
        var key: String?
        var valueOffset: Int
        var childrenOffset: Int

        static func align4(_ offset: Int) -> Int { (offset + 3) & ~3 }

        static func read(_ data: LittleEndianBytes, at start: Int, end limit: Int) -> Block? {
            guard let length = data.u16(start), let valueLength = data.u16(start + 2),
                  let type = data.u16(start + 4) else { return nil }
            let end = start + Int(length)
            guard length >= 6, end <= limit, end <= data.count else { return nil }
            // szKey: UTF-16LE up to NUL, inside the block.
            var units: [UInt16] = []
            var cursor = start + 6
            var terminated = false
            while cursor + 2 <= end, let unit = data.u16(cursor) {
                cursor += 2
                if unit == 0 { terminated = true; break }
                units.append(unit)
            }
            guard terminated else { return nil }
            let valueOffset = align4(cursor)
            // String values count UTF-16 units (type 1); binary values count bytes.
            let valueBytes = type == 1 ? Int(valueLength) * 2 : Int(valueLength)
            let childrenOffset = min(align4(valueOffset + valueBytes), end)
            return Block(start: start, end: end, valueLength: Int(valueLength), type: type,
                         key: String(decoding: units, as: UTF16.self), valueOffset: min(valueOffset, end),
                         childrenOffset: childrenOffset)
        }

        func children(_ data: LittleEndianBytes) -> [Block] {
            var out: [Block] = []
            var cursor = childrenOffset
            while cursor + 6 <= end, out.count < 4096 {
                guard let child = Block.read(data, at: cursor, end: end) else { break }
                out.append(child)
                cursor = Block.align4(child.end)   // always advances: a block is at least 6 bytes
            }
            return out
        }

        /// A String block's value: UTF-16LE up to NUL or the end of the block. (Writers disagree on
        /// whether wValueLength counts bytes or characters, so the NUL is what counts.)
        func textValue(_ data: LittleEndianBytes) -> String {
            var units: [UInt16] = []
            var cursor = valueOffset
            while cursor + 2 <= end, let unit = data.u16(cursor), unit != 0 {
                units.append(unit)
                cursor += 2
            }
            return String(decoding: units, as: UTF16.self)
        }
    }
}
