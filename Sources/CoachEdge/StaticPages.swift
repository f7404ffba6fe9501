import CoachCore
import Foundation
import HTTPTypes
import Hummingbird

/// The browser pages (`/`, `/test`, `/practice`, `/dashboard`, `/docs`), their scripts and styles
/// and the favicon, compiled into the binary from `Resources/` (`EmbeddedPages`).
struct StaticPages {
    private let files: [String: (data: Data, type: String)]

    init() {
        var files: [String: (Data, String)] = [:]
        for (name, bytes) in EmbeddedPages.files {
            let type: String
            switch (name as NSString).pathExtension {
            case "html": type = "text/html; charset=utf-8"
            case "js": type = "text/javascript; charset=utf-8"
            case "css": type = "text/css; charset=utf-8"
            case "ico": type = "image/x-icon"
            default: continue
            }
            files[name] = (Data(bytes), type)
        }
        self.files = files
    }

    func register(on table: inout RouteTable) {
        table.add(
            EdgeRoute(method: .get, path: "/", tag: "pages", summary: "Landing page with links to the other pages", responses: [200: ("HTML page", nil)]),
            { _, _ in try page("index.html") })
        table.add(
            EdgeRoute(method: .get, path: "/favicon.ico", tag: "pages", summary: "The pages' icon", responses: [200: ("Icon", nil)]),
            { _, _ in try page("favicon.ico") })
        table.add(
            EdgeRoute(method: .get, path: "/test", tag: "pages", summary: "Browser test page", responses: [200: ("HTML page", nil)]),
            { _, _ in try page("test.html") })
        table.add(
            EdgeRoute(method: .get, path: "/practice", tag: "pages", summary: "Practice interview page", responses: [200: ("HTML page", nil)]),
            { _, _ in try page("practice.html") })
        table.add(
            EdgeRoute(
                method: .get, path: "/dashboard", tag: "pages", summary: "Operations dashboard (admin key when keys are on)",
                responses: [200: ("HTML page", nil)]),
            { _, _ in try page("dashboard.html") })
        table.add(
            EdgeRoute(method: .get, path: "/docs", tag: "pages", summary: "API reference page", responses: [200: ("HTML page", nil)]),
            { _, _ in try page("docs.html") })
        table.add(
            EdgeRoute(
                method: .get, path: "/static/{file}", tag: "pages", summary: "Scripts and styles of the pages",
                parameters: [.init(name: "file", location: "path", schema: ParameterSchema.identifier, description: "File name", required: true)],
                responses: [200: ("The file", nil), 404: ("No such file", "Error")]),
            { _, context in
                let name = try context.pathParameter("file")
                guard !name.hasSuffix(".html") else { throw Self.noSuchFile(name) }
                return try page(name)
            })
    }

    /// A 404 of its own: an `HTTPError(.notFound)` would read as "no route" (405 here).
    private static func noSuchFile(_ name: String) -> CoachError {
        CoachError(.notFound, "no such file", details: ["file": .string(name)])
    }

    private func page(_ name: String) throws -> Response {
        guard let file = files[name] else { throw Self.noSuchFile(name) }
        var headers: HTTPFields = [:]
        headers[.contentType] = file.type
        headers[.cacheControl] = "no-cache"
        // The pages build the DOM with textContent; this keeps injected markup inert as well, and
        // no other site may frame them (clickjacking).
        headers[HTTPField.Name("Content-Security-Policy")!] =
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: file.data)))
    }
}
