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

    /// `millis.id` (`TextRules.pageCursor`): opaque to clients, but its shape is documented so
    /// that a client can tell a malformed cursor from an expired position.
    public var token: String { "\(createdAtMillis).\(id)" }

    /// Parses a token from `token`; a malformed one is a client error naming `field`.
    public init(token: String, field: String) throws(CoachError) {
        let parts = TextRules.trimmed(token).split(separator: ".", omittingEmptySubsequences: false)
        guard TextRules.pageCursor.matches(token), parts.count == 2, let millis = Int64(parts[0]), !parts[1].isEmpty
        else { throw CoachError.badRequest("invalid page token", field: field) }
        self.init(createdAtMillis: millis, id: String(parts[1]))
    }
}

/// Page sizes shared by every listing.
public enum PageSize {
    public static let `default` = 20
    public static let maximum = 100

    /// A listing request's `page_size` (0: the default) and `page_token` (blank: the first page)
    /// as the limit and cursor a store takes; a bad one is a `VALIDATION_ERROR` naming the field.
    public static func request(pageSize: Int, pageToken: String?) throws(CoachError) -> (limit: Int, cursor: PageCursor?) {
        guard (0...maximum).contains(pageSize) else {
            throw CoachError.badRequest("page_size must be between 1 and \(maximum)", field: "page_size")
        }
        var cursor: PageCursor?
        if let pageToken, !TextRules.isBlank(pageToken) { cursor = try PageCursor(token: pageToken, field: "page_token") }
        return (pageSize == 0 ? `default` : pageSize, cursor)
    }
}
