import Dispatch
import Synchronization

/// Data-parallel map for the compiler (customers, bundles): work handed out through an atomic
/// index to one worker per core, results in write-once slots. (The file-hashing engine has its
/// own queue, `WorkQueue`, which takes files as they are listed and the biggest first.)
public enum Parallel {
    /// `transform` applied to every element on up to `workers` threads, in the order of `order`
    /// (indices into `items`; default: as given). Results are in the order of `items`.
    public static func map<Item: Sendable, Result: Sendable>(
        _ items: [Item], workers: Int = FileHasher.onlineCores, order: [Int]? = nil,
        _ transform: @Sendable (Item) -> Result
    ) -> [Result] {
        let count = items.count
        guard count > 0 else { return [] }
        let slots = WriteOnceSlots<Result>(count: count)
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: min(max(1, workers), count)) { _ in
            while true {
                let slot = next.add(1, ordering: .relaxed).oldValue
                if slot >= count { break }
                let index = order?[slot] ?? slot
                slots.store(transform(items[index]), at: index)
            }
        }
        return slots.collect()
    }
}

/// Result slots shared by workers; each index is written by exactly one worker, and read only
/// after all of them have finished.
public final class WriteOnceSlots<Element>: @unchecked Sendable {
    private let storage: UnsafeMutablePointer<Element?>
    private let count: Int

    public init(count: Int) {
        self.count = count
        storage = .allocate(capacity: count)
        storage.initialize(repeating: nil, count: count)
    }

    deinit {
        storage.deinitialize(count: count)
        storage.deallocate()
    }

    public func store(_ element: Element, at index: Int) { storage[index] = element }

    /// Every slot's element, moved out: the slots are left empty, so call it once. Each slot must
    /// have been stored. Moving, not copying, means no retain of what the elements hold (objects
    /// made on other threads and long out of the cache) and no release when the slots go.
    public func collect() -> [Element] {
        [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            for index in 0..<count {
                guard let element = storage[index].take() else { preconditionFailure("slot \(index) never stored") }
                buffer.initializeElement(at: index, to: element)
            }
            initialized = count
        }
    }
}
