/// The headers of a PE image (PE32 or PE32+: `.exe`, `.dll`, `.sys`, `.ocx`…), read and checked
/// far enough to compute the Authenticode image hash and to find the resources and the signature.
///
/// Layout (Microsoft PE/COFF specification): `e_lfanew` = u32 at 0x3C points at `PE\0\0`; the
/// COFF header follows (20 bytes), then the optional header OH at `e_lfanew + 24`, whose Magic is
/// 0x10B (PE32) or 0x20B (PE32+). CheckSum is at OH+64; the data directories start at OH+96
/// (PE32) or OH+112 (PE32+), 8 bytes each; #2 is the resource table (RVA, size), #4 the
/// certificate table (a *file offset* and size). The section table follows the optional header.
///
/// Anything inconsistent is ``WindowsFileError/malformedPE(_:)``: a header or the section table
/// past the end of the file, a section's raw data past the end of the image, fewer than five data
/// directories, a certificate table that is not the last thing in the file (osslsigncode then
/// ignores the signature and Windows' behaviour is not documented), a COFF symbol table that does
/// not fit. A broken file gets no hash rather than a hash Windows would not compute.
public struct PEImage: Hashable, Sendable {
    public enum Format: String, Hashable, Sendable, Codable {
        case pe32 = "PE32"
        case pe32Plus = "PE32+"
    }

    public struct Section: Hashable, Sendable {
        public var name: String
        public var virtualAddress: UInt32
        public var virtualSize: UInt32
        public var pointerToRawData: UInt32
        public var sizeOfRawData: UInt32
    }

    public struct DataDirectory: Hashable, Sendable {
        public var address: UInt32
        public var size: UInt32
    }

    public var fileSize: Int64
    public var format: Format
    public var machine: UInt16
    /// COFF characteristics; bit 0x2000 marks a DLL.
    public var characteristics: UInt16
    public var isDLL: Bool { characteristics & 0x2000 != 0 }
    /// File offset of the optional header's CheckSum field (4 bytes).
    public var checksumOffset: Int64
    /// File offset of data directory #4, the certificate table entry (8 bytes).
    public var certificateEntryOffset: Int64
    /// The attribute certificate table (file offset and size), when the file is signed.
    public var certificateTable: Range<Int64>?
    public var sizeOfHeaders: UInt32
    public var sections: [Section]
    public var dataDirectories: [DataDirectory]

    /// Where the hashed image ends: the certificate table when signed, else the end of the file.
    public var imageEnd: Int64 { certificateTable?.lowerBound ?? fileSize }

    static let dosHeaderSize = 64
    static let maxOptionalHeaderSize = 0x1000

    /// Reads and checks the headers. Cheap: reads the DOS, COFF and optional headers, the
    /// section table and, when present, the COFF symbol table's string-table size.
    public static func parse(_ source: some ByteSource) throws(WindowsFileError) -> PEImage {
        let size = source.size
        guard size >= Int64(dosHeaderSize) else { throw .malformedPE("shorter than a DOS header (\(size) bytes)") }
        let dos = LittleEndianBytes(try source.read(at: 0, count: dosHeaderSize))
        guard dos.u16(0) == 0x5A4D else { throw .malformedPE("no 'MZ' signature") }
        let lfanew = Int64(dos.u32(0x3C)!)
        guard lfanew >= Int64(dosHeaderSize) else {
            throw .malformedPE("the PE header offset (e_lfanew = \(lfanew)) points into the DOS header")
        }
        guard lfanew <= size - 24 else {
            throw .malformedPE("the PE header offset (e_lfanew = \(lfanew)) is past the end of the file")
        }
        let coff = LittleEndianBytes(try source.read(at: lfanew, count: 24))
        guard coff.u32(0) == 0x0000_4550 else { throw .malformedPE("no 'PE\\0\\0' signature at e_lfanew") }
        let machine = coff.u16(4)!
        let numberOfSections = Int(coff.u16(6)!)
        let pointerToSymbolTable = Int64(coff.u32(12)!)
        let numberOfSymbols = Int64(coff.u32(16)!)
        let sizeOfOptionalHeader = Int(coff.u16(20)!)
        let characteristics = coff.u16(22)!

        let optionalHeaderOffset = lfanew + 24
        guard sizeOfOptionalHeader >= 2 else { throw .malformedPE("no optional header") }
        guard sizeOfOptionalHeader <= maxOptionalHeaderSize else {
            throw .malformedPE("optional header size \(sizeOfOptionalHeader) is implausible")
        }
        guard optionalHeaderOffset + Int64(sizeOfOptionalHeader) <= size else {
            throw .malformedPE("the optional header runs past the end of the file")
        }
        let optional = LittleEndianBytes(try source.read(at: optionalHeaderOffset, count: sizeOfOptionalHeader))
        let format: Format
        switch optional.u16(0)! {
        case 0x10B: format = .pe32
        case 0x20B: format = .pe32Plus
        case let magic: throw .malformedPE("optional header magic 0x\(String(magic, radix: 16)) is neither PE32 (0x10b) nor PE32+ (0x20b)")
        }
        let directoriesStart = format == .pe32 ? 96 : 112
        guard let numberOfRvaAndSizes = optional.u32(directoriesStart - 4) else {
            throw .malformedPE("the optional header (\(sizeOfOptionalHeader) bytes) is too short for its data directories")
        }
        guard numberOfRvaAndSizes >= 5 else {
            throw .malformedPE("only \(numberOfRvaAndSizes) data directories; the certificate table entry (#4) is missing")
        }
        let directoryCount = Int(min(numberOfRvaAndSizes, 16))
        guard directoriesStart + 8 * directoryCount <= sizeOfOptionalHeader else {
            throw .malformedPE("the data directories run past the optional header")
        }
        var directories: [DataDirectory] = []
        for i in 0..<directoryCount {
            directories.append(DataDirectory(address: optional.u32(directoriesStart + 8 * i)!,
                                             size: optional.u32(directoriesStart + 8 * i + 4)!))
        }
        let sizeOfHeaders = optional.u32(60)!

        // Section table.
        let sectionTableOffset = optionalHeaderOffset + Int64(sizeOfOptionalHeader)
        let sectionTableSize = Int64(numberOfSections) * 40
        guard sectionTableOffset + sectionTableSize <= size else {
            throw .malformedPE("the section table (\(numberOfSections) sections) runs past the end of the file")
        }
        let table = LittleEndianBytes(try source.read(at: sectionTableOffset, count: Int(sectionTableSize)))
        var sections: [Section] = []
        for i in 0..<numberOfSections {
            let base = i * 40
            let rawName = table.slice(base, 8)!.prefix { $0 != 0 }
            sections.append(Section(name: String(decoding: rawName, as: UTF8.self),
                                    virtualAddress: table.u32(base + 12)!, virtualSize: table.u32(base + 8)!,
                                    pointerToRawData: table.u32(base + 20)!, sizeOfRawData: table.u32(base + 16)!))
        }
        let headersEnd = sectionTableOffset + sectionTableSize

        // Certificate table: a file offset. Signers put it last; anything else is ambiguous.
        var certificateTable: Range<Int64>?
        let certificate = directories[4]
        if certificate.address != 0 || certificate.size != 0 {
            let start = Int64(certificate.address), length = Int64(certificate.size)
            guard certificate.address != 0, certificate.size != 0 else {
                throw .malformedPE("the certificate table entry has an offset or a size of zero (offset \(start), size \(length))")
            }
            guard length >= 8 else { throw .malformedPE("the certificate table (\(length) bytes) is too short") }
            guard start >= headersEnd else { throw .malformedPE("the certificate table overlaps the headers") }
            guard start + length == size else {
                throw .malformedPE(start + length > size
                    ? "the certificate table (offset \(start), \(length) bytes) runs past the end of the file (\(size) bytes)"
                    : "data follows the certificate table (it ends at \(start + length) of \(size) bytes)")
            }
            certificateTable = start..<(start + length)
        }
        let imageEnd = certificateTable?.lowerBound ?? size

        for section in sections where section.sizeOfRawData > 0 && section.pointerToRawData > 0 {
            let end = Int64(section.pointerToRawData) + Int64(section.sizeOfRawData)
            guard end <= imageEnd else {
                throw .malformedPE("section '\(section.name)' (raw data \(section.pointerToRawData)+\(section.sizeOfRawData)) runs past the end of the \(certificateTable == nil ? "file" : "image, into the certificate table")")
            }
        }
        // The COFF symbol table (kept by mingw unless stripped) and its string table.
        if pointerToSymbolTable != 0 && numberOfSymbols > 0 {
            let stringTableOffset = pointerToSymbolTable + numberOfSymbols * 18
            guard stringTableOffset + 4 <= imageEnd else {
                throw .malformedPE("the COFF symbol table runs past the end of the image")
            }
            let stringTableSize = Int64(LittleEndianBytes(try source.read(at: stringTableOffset, count: 4)).u32(0)!)
            guard stringTableOffset + stringTableSize <= imageEnd else {
                throw .malformedPE("the COFF string table runs past the end of the image")
            }
        }

        return PEImage(fileSize: size, format: format, machine: machine, characteristics: characteristics,
                       checksumOffset: optionalHeaderOffset + 64,
                       certificateEntryOffset: optionalHeaderOffset + Int64(directoriesStart) + 32,
                       certificateTable: certificateTable, sizeOfHeaders: sizeOfHeaders, sections: sections,
                       dataDirectories: directories)
    }

    /// The file offset of `count` bytes at `rva`, when they lie inside one section's raw data
    /// (or inside the headers).
    public func fileOffset(rva: UInt32, count: UInt32) -> Int64? {
        let start = Int64(rva), length = Int64(count)
        if start + length <= Int64(sizeOfHeaders), start + length <= imageEnd { return start }
        for section in sections {
            let va = Int64(section.virtualAddress)
            let raw = Int64(section.sizeOfRawData)
            if start >= va, start + length <= va + raw {
                let offset = Int64(section.pointerToRawData) + (start - va)
                return offset + length <= imageEnd ? offset : nil
            }
        }
        return nil
    }
}
