import CoachCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// What `/openapi.json` promises is what the routes do (schemathesis checks the same end to end
/// in `scripts/check-openapi`); and the pages a browser opens first.
@Suite struct EdgeContractTests {
    @Test func wrongMethodOnALiteralRouteAllowsOnlyThatRoutesMethods() async throws {
        try await withEdge { client in
            // `/api/v1/resumes/health` also matches `/api/v1/resumes/{unique_key}` (GET, PUT,
            // DELETE), but the router serves the literal route, which has only GET.
            let response = try await client.execute(uri: "/api/v1/resumes/health", method: .put)
            #expect(response.status == .methodNotAllowed)
            #expect(response.headers[.allow] == "GET, HEAD")
            let keyed = try await client.execute(uri: "/api/v1/resumes/x_1", method: .post)
            #expect(keyed.headers[.allow] == "GET, HEAD, PUT, DELETE")
        }
    }

    /// Every GET route answers HEAD (RFC 9110): the same status and headers, Content-Length
    /// included, and no body; a route without GET still refuses HEAD.
    @Test func headAnswersEveryGetRouteWithItsHeadersAndNoBody() async throws {
        try await withEdge { client in
            let get = try await client.execute(uri: "/openapi.json", method: .get)
            let head = try await client.execute(uri: "/openapi.json", method: .head)
            #expect(head.status == .ok)
            #expect(head.headers[.contentType] == get.headers[.contentType])
            #expect(head.headers[.contentLength] == String(get.body.readableBytes))
            #expect(get.body.readableBytes > 0 && head.body.readableBytes == 0)
            let missing = try await client.execute(uri: "/api/v1/resumes/nobody_1", method: .head)
            #expect(missing.status == .notFound)
            let postOnly = try await client.execute(uri: "/api/v1/interview/async/x_1/questions", method: .head)
            #expect(postOnly.status == .methodNotAllowed)
        }
    }

    @Test func unknownStaticFileIs404NotFound() async throws {
        try await withEdge { client in
            for uri in ["/static/nothing.js", "/static/test.html"] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .notFound, "\(uri)")
                #expect(try json(response)["error_code"] as? String == "NOT_FOUND")
            }
        }
    }

    @Test func historyIsTrueOrFalseAndAnythingElseIs422() async throws {
        try await withEdge { client in
            let bad = try await client.execute(uri: "/api/v1/interview/x_1/questions?history=maybe", method: .get)
            #expect(bad.status == .unprocessableContent)
            #expect(try violatedFields(bad) == ["history"])
            let good = try await client.execute(uri: "/api/v1/interview/x_1/questions?history=FALSE", method: .get)
            #expect(good.status == .notFound)
        }
    }

    @Test func everyResponseIsNosniffAndPagesCannotBeFramed() async throws {
        try await withEdge { client in
            for (uri, page) in [("/", true), ("/test", true), ("/practice", true), ("/api/v1/resumes", false), ("/api/v1/nothing", false), ("/healthz", false)] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff", "\(uri)")
                let policy = response.headers[HTTPField.Name("Content-Security-Policy")!] ?? ""
                #expect(policy.contains("frame-ancestors 'none'") == page, "\(uri)")
            }
        }
    }

    @Test func landingPageLinksThePagesAndTheFaviconIsAnIcon() async throws {
        try await withEdge { client in
            let landing = try await client.execute(uri: "/", method: .get)
            #expect(landing.status == .ok)
            #expect(landing.headers[.contentType] == "text/html; charset=utf-8")
            let html = String(buffer: landing.body)
            for link in ["href=\"/test\"", "href=\"/practice\"", "href=\"/docs\"", "href=\"/openapi.json\"", "href=\"/favicon.ico\""] {
                #expect(html.contains(link), "\(link)")
            }
            let icon = try await client.execute(uri: "/favicon.ico", method: .get)
            #expect(icon.status == .ok)
            #expect(icon.headers[.contentType] == "image/x-icon")
            // An ICO file: reserved 0, type 1 (icon), at least one image.
            #expect(Array(icon.body.readableBytesView.prefix(4)) == [0, 0, 1, 0])
        }
    }

    @Test func openAPIStatesTheRulesTheValidatorsApply() async throws {
        try await withEdge { client in
            let document = try json(try await client.execute(uri: "/openapi.json", method: .get))
            let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
            let create = try #require(schemas["ResumeCreate"] as? [String: Any])
            let properties = try #require(create["properties"] as? [String: Any])
            let name = try #require(properties["name"] as? [String: Any])
            #expect(name["pattern"] as? String == TextRules.personName.source)
            let summary = try #require(properties["summary"] as? [String: Any])
            #expect(summary["minLength"] as? Int == ResumeLimits.summaryLength.lowerBound)
            #expect(summary["maxLength"] as? Int == ResumeLimits.summaryLength.upperBound)
            #expect(summary["pattern"] as? String == TextRules.nonBlank.source)
            // An optional property may be null (the decoders read null as absent).
            let projects = try #require(properties["work_experiences"] as? [String: Any])
            #expect(projects["type"] as? [String] == ["array", "null"])

            // The providers are the ones the service is configured with; empty means the chain.
            let options = try #require((schemas["QuestionOptions"] as? [String: Any])?["properties"] as? [String: Any])
            let provider = try #require(options["provider"] as? [String: Any])
            #expect((provider["enum"] as? [Any])?.compactMap { $0 as? String } == ["", "builtin"])

            let paths = try #require(document["paths"] as? [String: [String: Any]])
            let list = try #require(paths["/api/v1/resumes"]?["get"] as? [String: Any])
            let parameters = try #require(list["parameters"] as? [[String: Any]])
            let limit = try #require(parameters.first { $0["name"] as? String == "limit" }?["schema"] as? [String: Any])
            #expect(limit["minimum"] as? Int == 1 && limit["maximum"] as? Int == PageSize.maximum)
            let requestID = try #require(parameters.first { $0["name"] as? String == "X-Request-ID" }?["schema"] as? [String: Any])
            #expect(requestID["maxLength"] == nil, "the server replaces a long X-Request-ID, it does not reject it")

            // Every reference resolves.
            let text = String(decoding: try JSONSerialization.data(withJSONObject: document), as: UTF8.self)
            for match in text.matches(of: /#\/components\/schemas\/([A-Za-z]+)/) {
                #expect(schemas[String(match.1)] != nil, "\(match.1)")
            }
        }
    }
}
