import Dispatch
import Synchronization

/// Data-parallel helpers for the engine and the compiler: work handed out through an atomic index
/// to one worker per core, results in write-once slots.
public enum Parallel {
    /// `transform` applied to every element on up to `workers` threads, in the order of `order`
    /// (indices into `items`; default: as given). Results are in the order of `items`.
    public static func map<Item: Sendable, Result: Sendable>(
        _ items: [Item], workers: Int = FileHasher.onlineCores, order: [Int]? = nil,
        _ transform: @Sendable (Item) -> Result
    ) -> [Result] {
        map(items, workers: workers, order: order, worker: { () }) { _, item in transform(item) }
    }

    /// Like ``map(_:workers:order:_:)``, with state each worker makes once and reuses for every
    /// element it takes (a hash state and a read buffer, say).
    public static func map<Item: Sendable, Result: Sendable, Worker>(
        _ items: [Item], workers: Int = FileHasher.onlineCores, order: [Int]? = nil,
        worker makeWorker: @Sendable () -> Worker,
        _ transform: @Sendable (Worker, Item) -> Result
    ) -> [Result] {
        let count = items.count
        guard count > 0 else { return [] }
        let slots = WriteOnceSlots<Result>(count: count)
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: min(max(1, workers), count)) { _ in
            let worker = makeWorker()
            while true {
                let slot = next.add(1, ordering: .relaxed).oldValue
                if slot >= count { break }
                let index = order?[slot] ?? slot
                slots.store(transform(worker, items[index]), at: index)
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
