/// Substring search over UTF-8 bytes. Foundation's `range(of:)` and `contains(_:)` go through
/// NSString on Linux and were a third of a worker's CPU with the builtin provider
/// (bench/README.md, async pipeline); this is the same literal match without the bridge.
public enum TextSearch {
    /// The first range of `needle` in `text` at or after `start` (exact bytes; lowercase both
    /// sides first for a case-insensitive search).
    public static func range(of needle: String, in text: String, from start: String.Index? = nil) -> Range<String.Index>? {
        let pattern = Array(needle.utf8)
        guard let first = pattern.first else { return nil }
        let bytes = text.utf8
        var position = start ?? bytes.startIndex
        while position < bytes.endIndex, let hit = bytes[position...].firstIndex(of: first) {
            if bytes[hit...].starts(with: pattern) {
                return hit..<bytes.index(hit, offsetBy: pattern.count)
            }
            position = bytes.index(after: hit)
        }
        return nil
    }

    /// Whether `text` contains `needle` (exact bytes).
    public static func contains(_ text: String, _ needle: String) -> Bool {
        range(of: needle, in: text) != nil
    }
}

extension StringProtocol {
    /// The text without leading and trailing whitespace and newlines: the same result as
    /// `trimmingCharacters(in: .whitespacesAndNewlines)` without the NSString bridge (which was a
    /// fifth of a worker's CPU in the builtin provider's hot loop).
    public var trimmedWhitespace: String {
        var view = self[...]
        while let first = view.first, first.isWhitespace { view = view.dropFirst() }
        while let last = view.last, last.isWhitespace { view = view.dropLast() }
        return String(view)
    }
}
