import CoachCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import CoachEdge

/// What a hostile page or client can try against the edge, and what it gets.
@Suite struct EdgeHardeningTests {
    static let resume = #"{"name":"Kim","contact":{},"summary":"Backend engineer with Kafka and Go.","total_experience_months":12,"technical_skills":{}}"#

    @Test(arguments: ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x", "application/xml"])
    func aBodyOfAnotherTypeIsRefusedAndNothingIsStored(type: String) async throws {
        try await withEdge { client in
            let refused = try await client.execute(
                uri: "/api/v1/resumes", method: .post, headers: [.contentType: type], body: ByteBuffer(string: Self.resume))
            #expect(refused.status == .unsupportedMediaType)
            #expect(try json(refused)["error_code"] as? String == "UNSUPPORTED_MEDIA_TYPE")
            // The same as a form can send to start a paid generation.
            let generation = try await client.execute(
                uri: "/api/v1/interview/async/Kim_1/questions", method: .post, headers: [.contentType: type], body: ByteBuffer())
            #expect(generation.status == .unsupportedMediaType)
            let list = try await client.execute(uri: "/api/v1/resumes", method: .get)
            #expect(try (json(list)["resumes"] as? [Any])?.isEmpty == true)
            let json = try await client.execute(
                uri: "/api/v1/resumes", method: .post, headers: [.contentType: "application/json; charset=utf-8"],
                body: ByteBuffer(string: Self.resume))
            #expect(json.status == .created)
        }
    }

    @Test(arguments: ["%00", "%0A", "%1B", "%7F", "%C2%85"])
    func aControlCharacterInAPathKeyIs422(character: String) async throws {
        try await withEdge { client in
            let created = try await client.execute(
                uri: "/api/v1/resumes", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: Self.resume))
            #expect(created.status == .created)
            // A NUL used to be cut off by the SQLite binding: `Kim_1%00x` read `Kim_1`.
            for path in ["/api/v1/resumes/Kim_1\(character)x", "/api/v1/interview/tasks/abc\(character)/progress"] {
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.status == .unprocessableContent, "\(path)")
            }
        }
    }

    @Test func aForeignHostIsRefusedOnALoopbackEdge() async throws {
        try await withEdge { client in
            let rebound = try await client.execute(uri: "/api/v1/resumes", method: .get, headers: [.hostHeader: "attacker.example:8080"])
            #expect(rebound.status == .badRequest)
            for host in ["localhost:8080", "127.0.0.1:9", "[::1]:8080", "LOCALHOST"] {
                let local = try await client.execute(uri: "/api/v1/resumes", method: .get, headers: [.hostHeader: host])
                #expect(local.status == .ok, "\(host)")
            }
        }
    }

    @Test func aRateLimitSaysWhenToRetryAndWhichLimit() {
        var headers: HTTPFields = [:]
        EdgeErrorMiddleware.addAccessHeaders(
            for: .limitExceeded("requests_per_minute", allowed: 60, resetSeconds: 17), to: &headers)
        #expect(headers[.retryAfter] == "17")
        #expect(headers[.rateLimitLimit] == "60")
        #expect(headers[.rateLimitRemaining] == "0")
        #expect(headers[.rateLimitReset] == "17")
        var unauthorized: HTTPFields = [:]
        EdgeErrorMiddleware.addAccessHeaders(for: .unauthenticated, to: &unauthorized)
        #expect(unauthorized[.wwwAuthenticate] == "Bearer")
    }
}
