import Foundation

/// The text rules of the REST and gRPC contract, in one place for the validators and for the
/// OpenAPI document (`/openapi.json`), so that what is documented is exactly what is enforced.
///
/// - Lengths are counted in Unicode code points, as JSON Schema's `minLength`/`maxLength` count
///   them (not in grapheme clusters, which would let a long run of combining marks through).
/// - "Whitespace" is one explicit set of code points, Unicode's `White_Space` property (not
///   Foundation's `.whitespacesAndNewlines`, which on Linux also counts U+200B), spelled out in
///   the patterns rather than as `\s`, whose meaning differs between regular-expression engines.
/// - Every pattern is an ECMA-262 regular expression that ICU (the validators'
///   `NSRegularExpression`), Python's `re` and Rust's `regex` read alike: explicit character
///   classes, no lookaround, and `^…[ws]*$` ends so that the engines' different ideas of `$`
///   before a final line break cannot matter (every line break is whitespace there).
public enum TextRules {
    /// Unicode `White_Space`: `\t`…`\r`, space, NEL, NBSP, OGHAM SPACE MARK, EN QUAD…HAIR SPACE,
    /// LINE and PARAGRAPH SEPARATOR, NARROW NBSP, MEDIUM MATHEMATICAL SPACE, IDEOGRAPHIC SPACE.
    static let whitespaceRanges: [ClosedRange<UInt32>] = [
        0x09...0x0D, 0x20...0x20, 0x85...0x85, 0xA0...0xA0, 0x1680...0x1680, 0x2000...0x200A,
        0x2028...0x2029, 0x202F...0x202F, 0x205F...0x205F, 0x3000...0x3000,
    ]
    /// Unicode general category `Cc`.
    static let controlRanges: [ClosedRange<UInt32>] = [0x00...0x1F, 0x7F...0x9F]
    /// Bidirectional formatting characters (ALM, LRM, RLM, the embeddings, overrides and
    /// isolates): invisible, they make a name display as another one.
    static let bidiRanges: [ClosedRange<UInt32>] = [0x061C...0x061C, 0x200E...0x200F, 0x202A...0x202E, 0x2066...0x2069]

    public static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        whitespaceRanges.contains { $0.contains(scalar.value) }
    }

    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        controlRanges.contains { $0.contains(scalar.value) }
    }

    public static func isBidiControl(_ scalar: Unicode.Scalar) -> Bool {
        bidiRanges.contains { $0.contains(scalar.value) }
    }

    /// Length in Unicode code points.
    public static func length(_ text: String) -> Int { text.unicodeScalars.count }

    /// `text` without leading and trailing whitespace.
    public static func trimmed(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isWhitespace($0) }),
            let last = scalars.lastIndex(where: { !isWhitespace($0) })
        else { return "" }
        return String(Substring(scalars[first...last]))
    }

    /// Whether `text` has a code point that is not whitespace.
    public static func isBlank(_ text: String) -> Bool { !text.unicodeScalars.contains { !isWhitespace($0) } }

    // MARK: - Patterns

    /// A regular-expression character-class body listing `ranges`.
    private static func classBody(_ ranges: [ClosedRange<UInt32>]) -> String {
        ranges.map { range in
            range.lowerBound == range.upperBound
                ? escape(range.lowerBound) : "\(escape(range.lowerBound))-\(escape(range.upperBound))"
        }.joined()
    }

    private static func escape(_ value: UInt32) -> String {
        let hex = String(value, radix: 16)
        return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
    }

    static let ws = classBody(whitespaceRanges)
    static let control = classBody(controlRanges)
    static let bidi = classBody(bidiRanges)

    /// At least one code point that is not whitespace (a required free-text field).
    public static let nonBlank = Pattern("[^\(ws)]")

    /// A candidate name: after trimming, 1–50 code points, no control or bidirectional
    /// formatting character, no `/`.
    public static let personName = Pattern(
        "^[\(ws)]*[^\(ws)\(control)\(bidi)/](?:[^\(control)\(bidi)/]{0,\(ResumeLimits.nameLength.upperBound - 2)}"
            + "[^\(ws)\(control)\(bidi)/])?[\(ws)]*$")

    /// An e-mail address: one `@`, a non-empty local part, a domain with a dot that neither
    /// starts nor ends it, no whitespace inside (surrounding whitespace is trimmed).
    public static let email = Pattern(
        "^[\(ws)]*[^@\(ws)]+@[^@.\(ws)][^@\(ws)]*\\.[^@\(ws)]*[^@.\(ws)][\(ws)]*$")

    /// An absolute `http`/`https` URL with a host name or IPv4 address (surrounding whitespace
    /// is trimmed). Bracketed IPv6 literals are not taken: no resume link needs one, and a loose
    /// pattern for them let malformed hosts such as `[0]` through.
    public static let webURL = Pattern(
        "^[\(ws)]*[Hh][Tt][Tt][Pp][Ss]?://(?:[^\(ws)\(control)/?#@]*@)?"
            + "[^\(ws)\(control)/?#@:\\[\\]]+(?::[0-9]{1,5})?"
            + "(?:[/?#][^\(ws)\(control)]*)?[\(ws)]*$")

    /// A page cursor (`next_cursor`): `{created_at millis}.{document id}`, or empty for the
    /// first page.
    /// Finds a control character (`Cc`) anywhere: unanchored, so no engine's `$` can let a
    /// trailing line break through (the OpenAPI document states it as `not: {pattern}`).
    public static let anyControl = Pattern("[\(control)]")

    public static let pageCursor = Pattern("^[\(ws)]*(?:[0-9]{1,15}\\.[0-9a-f]{1,64})?[\(ws)]*$")

    /// A compiled pattern and its source text (the OpenAPI `pattern`). Matching searches, as
    /// JSON Schema's `pattern` does: the anchors are part of the pattern.
    public struct Pattern: Sendable {
        public let source: String
        private let compiled: UncheckedRegex

        init(_ source: String) {
            self.source = source
            // The patterns are constants of this file: one that does not compile is a bug that
            // every test of the validators shows at once.
            self.compiled = UncheckedRegex(try! NSRegularExpression(pattern: source))
        }

        public func matches(_ text: String) -> Bool {
            let range = NSRange(text.startIndex..<text.endIndex, in: text)
            return compiled.regex.firstMatch(in: text, range: range) != nil
        }
    }

    /// `NSRegularExpression` is immutable and documented as safe to use from several threads.
    private struct UncheckedRegex: @unchecked Sendable {
        let regex: NSRegularExpression
        init(_ regex: NSRegularExpression) { self.regex = regex }
    }
}
