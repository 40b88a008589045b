#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import PalisadeCrypto

/// Resolves endpoint paths inside a root folder (a mounted image, or `/`), the way the kernel
/// would inside a chroot: `..` stops at the root, and an absolute symlink target starts again at
/// the root, so no symlink ever leads out of it. Nothing is opened for writing, ever.
public final class RootedFileSystem: @unchecked Sendable {
    public let root: RawPath
    public let names: NameMatching
    private var directoryCache: [[[UInt8]]: Resolution] = [:]
    /// Per directory, on a Windows volume: folded name → the names of its entries that fold to it.
    private var foldedEntries: [RawPath: [[UInt8]: [[UInt8]]]] = [:]
    static let maxSymlinks = 40

    /// How a path's components are matched against a directory's entries.
    public enum NameMatching: Sendable {
        /// Byte for byte, as Linux does.
        case exact
        /// As Windows does on an NTFS volume (``WindowsCaseFolding``): the entry spelt exactly so
        /// when there is one, else the one entry equal but for case. Several such entries
        /// (possible on a volume written from Linux) are reported, never guessed between.
        case windows
    }

    public init(root: String, names: NameMatching = .exact) {
        var bytes = Array(root.utf8)
        while bytes.count > 1, bytes.last == 0x2F { bytes.removeLast() }
        self.root = RawPath(bytes: bytes)
        self.names = names
    }

    public enum Resolution: Sendable {
        /// The host path and what `lstat` said of it (never a symlink).
        case found(RawPath, stat)
        case problem(FileProblem)
    }

    /// The host path of `endpointPath` inside the root, every symlink resolved inside the root.
    /// Directories are resolved once and cached, so checking many files costs about one `lstat` each.
    public func resolve(_ endpointPath: String) -> Resolution {
        resolve(RawPath(endpointPath))
    }

    /// ``resolve(_:)-(String)`` for an endpoint path in bytes (a name that is not UTF-8).
    public func resolve(_ endpointPath: RawPath) -> Resolution {
        let all = components(of: endpointPath.bytes)
        guard let last = all.last, last != [0x2E, 0x2E] else { return resolveFully(all) }
        let parentKey = Array(all.dropLast())
        let parent: Resolution
        if let cached = directoryCache[parentKey] {
            parent = cached
        } else {
            parent = resolveFully(parentKey)
            directoryCache[parentKey] = parent
        }
        guard case .found(let directory, let directoryInfo) = parent else { return parent }
        guard directoryInfo.st_mode & S_IFMT == S_IFDIR else { return .problem(.notFound) }
        var info = stat()
        let name: [UInt8]
        switch entry(last, in: directory, &info) {
        case .success(let found): name = found
        case .failure(let problem): return .problem(problem)
        }
        if info.st_mode & S_IFMT == S_IFLNK { return resolveFully(all) }
        return .found(directory.appending(name), info)
    }

    /// The name of the entry `name` leads to in `directory`, with its `lstat` in `info`: `name`
    /// itself, or on a Windows volume the one entry equal to it but for case.
    private func entry(_ name: [UInt8], in directory: RawPath, _ info: inout stat) -> Result<[UInt8], FileProblem> {
        guard directory.appending(name).withCString({ lstat($0, &info) }) != 0 else { return .success(name) }
        let error = errno
        guard error == ENOENT, names == .windows else { return .failure(.from(errno: error)) }
        let matches: [[UInt8]]
        if let cached = foldedEntries[directory] {
            matches = cached[WindowsCaseFolding.fold(name)] ?? []
        } else {
            // Only read (opendir/readdir), and once per directory.
            switch TreeWalker(symlinks: .never).readDirectory(directory) {
            case .success(let entries):
                let byFolded = Dictionary(grouping: entries, by: { WindowsCaseFolding.fold($0) })
                foldedEntries[directory] = byFolded
                matches = byFolded[WindowsCaseFolding.fold(name)] ?? []
            case .failure(let problem):
                return .failure(problem)
            }
        }
        guard let match = matches.first else { return .failure(.notFound) }
        guard matches.count == 1 else {
            return .failure(.ambiguousName(matches.map { String(decoding: $0, as: UTF8.self) }.sorted()))
        }
        guard directory.appending(match).withCString({ lstat($0, &info) }) == 0 else { return .failure(.from(errno: errno)) }
        return .success(match)
    }

    /// Where a symbolic link that a walk found leads, inside the root. The walk descends no link,
    /// so the link's folder is a real one: its target is read once and resolved from there, through
    /// the folders ``resolve(_:)-(RawPath)`` has cached, instead of walking the whole path again.
    public func resolveLink(_ link: RawPath) -> Resolution {
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = link.withCString { p in
            buffer.withUnsafeMutableBufferPointer {
                readlink(p, UnsafeMutableRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), $0.count)
            }
        }
        guard length >= 0 else { return .problem(.from(errno: errno)) }
        let target = buffer[0..<length]
        if target.first == 0x2F { return resolve(RawPath(bytes: Array(target))) }
        let endpoint = endpointPath(of: link).bytes
        let folder = endpoint[..<(endpoint.lastIndex(of: 0x2F) ?? 0)]
        return resolve(RawPath(bytes: Array(folder) + [0x2F] + Array(target)))
    }

    /// The endpoint path (inside the root) of a host path found under the root.
    public func endpointPath(of host: RawPath) -> RawPath {
        if root.bytes == [0x2F] { return host }
        let rest = Array(host.bytes.dropFirst(root.bytes.count))
        return RawPath(bytes: rest.isEmpty ? [0x2F] : rest)
    }

    private func components(of bytes: [UInt8]) -> [[UInt8]] {
        bytes.split(separator: 0x2F, omittingEmptySubsequences: true).map(Array.init).filter { $0 != [0x2E] }
    }

    private func hostPath(_ inside: [[UInt8]]) -> RawPath {
        var bytes = root.bytes == [0x2F] ? [] : root.bytes
        for c in inside { bytes.append(0x2F); bytes.append(contentsOf: c) }
        return RawPath(bytes: bytes.isEmpty ? [0x2F] : bytes)
    }

    /// Component by component from the root, following symlinks inside the root.
    private func resolveFully(_ input: [[UInt8]]) -> Resolution {
        var pending = input[...]
        var resolved: [[UInt8]] = []
        var symlinks = 0
        var info = stat()
        guard root.withCString({ lstat($0, &info) }) == 0 else { return .problem(.from(errno: errno)) }
        while let component = pending.popFirst() {
            if component == [0x2E, 0x2E] {
                _ = resolved.popLast()  // `..` never climbs above the root
                continue
            }
            let name: [UInt8]
            switch entry(component, in: hostPath(resolved), &info) {
            case .success(let found): name = found
            case .failure(let problem): return .problem(problem)
            }
            let candidate = hostPath(resolved + [name])
            if info.st_mode & S_IFMT == S_IFLNK {
                symlinks += 1
                if symlinks > Self.maxSymlinks { return .problem(.symlinkLoop) }
                var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
                let length = candidate.withCString { p in
                    buffer.withUnsafeMutableBufferPointer {
                        readlink(p, UnsafeMutableRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), $0.count)
                    }
                }
                guard length >= 0 else { return .problem(.from(errno: errno)) }
                let target = Array(buffer[0..<length])
                if target.first == 0x2F { resolved = [] }  // absolute: start again at the root
                pending = (components(of: target) + pending)[...]
                continue
            }
            if !pending.isEmpty && info.st_mode & S_IFMT != S_IFDIR { return .problem(.notFound) }
            resolved.append(name)
        }
        if resolved.isEmpty {
            guard root.withCString({ lstat($0, &info) }) == 0 else { return .problem(.from(errno: errno)) }
        }
        return .found(hostPath(resolved), info)
    }
}
