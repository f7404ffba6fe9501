import Synchronization

/// Values made once per key and kept for the life of the process: for things that are costly to
/// make and asked for on every request, such as a metrics backend's handle for one label set
/// (making one looks its labels up in the backend's registry, under a lock). Keys must come from a
/// bounded set; nothing is ever evicted. Inlinable, so a caller's use is specialized for its types
/// (an unspecialized generic looks its type metadata up on every call, on a path this is meant to
/// make cheaper).
public final class MadeOnce<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    @usableFromInline let made = Mutex<[Key: Value]>([:])
    @usableFromInline let make: @Sendable (Key) -> Value

    /// `make` runs outside the lock, so two first askers may both make a value; the first kept wins.
    public init(_ make: @escaping @Sendable (Key) -> Value) {
        self.make = make
    }

    /// The value of `key`, made on the first ask.
    @inlinable public subscript(key: Key) -> Value {
        if let value = made.withLock({ $0[key] }) { return value }
        let value = make(key)
        return made.withLock { made in
            if let kept = made[key] { return kept }
            made[key] = value
            return value
        }
    }
}
