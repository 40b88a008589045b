/// A dictionary that remembers the order keys were first inserted in.
///
/// Rules reach the AppArmor plan sorted by path, so its patterns are inserted almost in the order
/// the profile lists them. Sorting a `Dictionary` starts from its arbitrary hash order and costs a
/// full sort; sorting the insertion order (Swift's sort finds the runs already in order) is nearly
/// a single pass.
struct InsertionOrderedTable<Key: Hashable, Value> {
    private var positions: [Key: Int] = [:]
    private var keys: [Key] = []
    private var values: [Value] = []

    init() {}

    /// Room for `capacity` keys without growing (growing rehashes every key).
    init(minimumCapacity capacity: Int) {
        positions.reserveCapacity(capacity)
        keys.reserveCapacity(capacity)
        values.reserveCapacity(capacity)
    }

    var count: Int { keys.count }
    var isEmpty: Bool { keys.isEmpty }

    /// Changes the value of `key`, inserting `initial` first when the key is new.
    mutating func update(_ key: Key, initial: @autoclosure () -> Value, _ change: (inout Value) -> Void) {
        // One hash of the key: the defaulting subscript finds the bucket or makes it, in place.
        let next = keys.count
        let position = { (position: inout Int) -> Int in
            if position < 0 { position = next }
            return position
        }(&positions[key, default: -1])
        if position < next {
            change(&values[position])
        } else {
            var value = initial()
            change(&value)
            keys.append(key)
            values.append(value)
        }
    }

    /// Inserts `key` with `value` unless it is already there.
    mutating func insert(_ key: Key, _ value: Value) {
        update(key, initial: value) { _ in }
    }

    /// Every entry, sorted by key.
    func sorted(by areInIncreasingOrder: (Key, Key) -> Bool) -> [(key: Key, value: Value)] {
        keys.indices.sorted { areInIncreasingOrder(keys[$0], keys[$1]) }.map { (keys[$0], values[$0]) }
    }
}

extension InsertionOrderedTable where Key: Comparable {
    func sorted() -> [(key: Key, value: Value)] { sorted(by: <) }
}
