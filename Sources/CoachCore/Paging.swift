import Foundation

/// One page of a newest-first listing.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    /// Where the next page starts; `nil` on the last page.
    public var next: PageCursor?

    public init(items: [Item], next: PageCursor?) {
        self.items = items
        self.next = next
    }
}

/// Position in a newest-first listing ordered by (created_at desc, id desc). Clients see it as
/// an opaque token.
public struct PageCursor: Sendable, Hashable {
    public var createdAtMillis: Int64
    public var id: String

    public init(createdAtMillis: Int64, id: String) {
        self.createdAtMillis = createdAtMillis
        self.id = id
    }

    /// URL-safe base64 of `millis:id`.
    public var token: String {
        Data("\(createdAtMillis):\(id)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Parses a token from `token`; a malformed one is a client error naming `field`.
    public init(token: String, field: String) throws(CoachError) {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard token.count <= 200, let data = Data(base64Encoded: base64),
            let text = String(data: data, encoding: .utf8),
            let colon = text.firstIndex(of: ":"),
            let millis = Int64(text[..<colon])
        else { throw CoachError.badRequest("invalid page token", field: field) }
        let id = String(text[text.index(after: colon)...])
        guard !id.isEmpty, id.allSatisfy(\.isHexDigit) else {
            throw CoachError.badRequest("invalid page token", field: field)
        }
        self.init(createdAtMillis: millis, id: id)
    }
}

/// Page sizes shared by every listing.
public enum PageSize {
    public static let `default` = 20
    public static let maximum = 100
}
