import PalisadeModel

/// The rule lines of one section of the rules file, in the order planned, each with the index of
/// the resolved rule it came from, rendered once into one buffer.
struct FapolicydPlannedLines {
    /// Every line appended, back to back, without LFs (repeats removed from `lines` stay here).
    private(set) var text: [UInt8] = []
    /// Each line: where its bytes are in `text`, and the rule it came from.
    private(set) var lines: [(bytes: Range<Int>, source: Int)] = []

    var isEmpty: Bool { lines.isEmpty }
    var count: Int { lines.count }

    mutating func append(_ rule: FapolicydRule, source: Int) {
        let start = text.count
        rule.append(to: &text)
        lines.append((start..<text.count, source))
    }

    /// Removes every line whose bytes repeat an earlier line's: fapolicyd would only ever use the
    /// first. Compares neighbours in byte order, so a section already in that order (allows come
    /// sorted by path) costs one pass and no sort.
    mutating func removeRepeats() {
        let lines = self.lines
        let repeats: [Int] = text.withUnsafeBufferPointer { buffer in
            func order(_ a: Int, _ b: Int) -> Bool? {
                ByteOrder.precedes(UnsafeBufferPointer(rebasing: buffer[lines[a].bytes]),
                                   UnsafeBufferPointer(rebasing: buffer[lines[b].bytes]))
            }
            if lines.indices.dropFirst().allSatisfy({ order($0 - 1, $0) == true }) { return [] }
            // By bytes, then by position: in a run of equal lines, all but the first are repeats.
            let sorted = lines.indices.sorted { a, b in order(a, b) ?? (a < b) }
            return sorted.indices.dropFirst().filter { order(sorted[$0 - 1], sorted[$0]) == nil }.map { sorted[$0] }
        }
        guard !repeats.isEmpty else { return }
        var keep = [Bool](repeating: true, count: lines.count)
        for index in repeats { keep[index] = false }
        self.lines = lines.indices.filter { keep[$0] }.map { lines[$0] }
    }
}
