import CoachCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct ResumeRoutesTests {
    /// One case per rule of the Resume table: how to break it, and the field the 422 must name.
    static let ruleCases: [(String, @Sendable (inout [String: Any]) -> Void, String)] = [
        ("name required", { $0["name"] = nil }, "name"),
        ("name blank", { $0["name"] = "   " }, "name"),
        ("name too long", { $0["name"] = String(repeating: "n", count: 51) }, "name"),
        // 26 characters on screen, 52 code points: lengths count code points, as JSON Schema does.
        ("name too long in code points", { $0["name"] = String(repeating: "e\u{301}", count: 26) }, "name"),
        ("name tab inside", { $0["name"] = "Jane\tDoe" }, "name"),
        ("name bidi override", { $0["name"] = "Jane\u{202E}eoD" }, "name"),
        ("name control char", { $0["name"] = "Jane\u{01}" }, "name"),
        ("name slash", { $0["name"] = "Jane/Doe" }, "name"),
        ("contact required", { $0["contact"] = nil }, "contact"),
        ("contact email", { $0["contact"] = ["email": "jane.example.com"] }, "contact.email"),
        ("contact github url", { $0["contact"] = ["github": "github.com/jane"] }, "contact.github"),
        ("contact linkedin url", { $0["contact"] = ["linkedin": "ftp://x.y"] }, "contact.linkedin"),
        ("contact portfolio url", { $0["contact"] = ["portfolio": "javascript:alert(1)"] }, "contact.portfolio"),
        ("summary required", { $0["summary"] = nil }, "summary"),
        ("summary too short", { $0["summary"] = "short" }, "summary"),
        ("summary too long", { $0["summary"] = String(repeating: "s", count: 501) }, "summary"),
        ("months required", { $0["total_experience_months"] = nil }, "total_experience_months"),
        ("months negative", { $0["total_experience_months"] = -1 }, "total_experience_months"),
        ("months too many", { $0["total_experience_months"] = 721 }, "total_experience_months"),
        ("months not a number", { $0["total_experience_months"] = "ten" }, "total_experience_months"),
        ("work company", { $0["work_experiences"] = [["position": "p", "duration": "d"]] }, "work_experiences[0].company"),
        ("work position", { $0["work_experiences"] = [["company": "c", "duration": "d"]] }, "work_experiences[0].position"),
        ("work duration", { $0["work_experiences"] = [["company": "c", "position": "p"]] }, "work_experiences[0].duration"),
        (
            "work team size", { $0["work_experiences"] = [["company": "c", "position": "p", "duration": "d", "team_size": 0]] },
            "work_experiences[0].team_size"
        ),
        (
            "work team size too big",
            { $0["work_experiences"] = [["company": "c", "position": "p", "duration": "d", "team_size": 100_001]] },
            "work_experiences[0].team_size"
        ),
        ("project name", { $0["personal_projects"] = [["description": "d", "tech_stack": []]] }, "personal_projects[0].name"),
        ("project description", { $0["personal_projects"] = [["name": "n", "tech_stack": []]] }, "personal_projects[0].description"),
        ("project tech stack", { $0["personal_projects"] = [["name": "n", "description": "d"]] }, "personal_projects[0].tech_stack"),
        (
            "project github url", { $0["personal_projects"] = [["name": "n", "description": "d", "tech_stack": [], "github_url": "x"]] },
            "personal_projects[0].github_url"
        ),
        (
            "project demo url", { $0["personal_projects"] = [["name": "n", "description": "d", "tech_stack": [], "demo_url": "x"]] },
            "personal_projects[0].demo_url"
        ),
        ("skills required", { $0["technical_skills"] = nil }, "technical_skills"),
        ("skills list type", { $0["technical_skills"] = ["frameworks": "Gin"] }, "technical_skills.frameworks"),
        ("cert name", { $0["certifications"] = [["issuer": "i", "issue_date": "d"]] }, "certifications[0].name"),
        ("cert issuer", { $0["certifications"] = [["name": "n", "issue_date": "d"]] }, "certifications[0].issuer"),
        ("cert issue date", { $0["certifications"] = [["name": "n", "issuer": "i"]] }, "certifications[0].issue_date"),
        ("activity type", { $0["activities"] = [["name": "n", "description": "d"]] }, "activities[0].type"),
        ("activity name", { $0["activities"] = [["type": "t", "description": "d"]] }, "activities[0].name"),
        ("activity description", { $0["activities"] = [["type": "t", "name": "n"]] }, "activities[0].description"),
        ("education institution", { $0["education"] = [["degree": "d", "major": "m", "period": "p", "status": "s"]] }, "education[0].institution"),
        ("education degree", { $0["education"] = [["institution": "i", "major": "m", "period": "p", "status": "s"]] }, "education[0].degree"),
        ("education major", { $0["education"] = [["institution": "i", "degree": "d", "period": "p", "status": "s"]] }, "education[0].major"),
        ("education period", { $0["education"] = [["institution": "i", "degree": "d", "major": "m", "status": "s"]] }, "education[0].period"),
        ("education status", { $0["education"] = [["institution": "i", "degree": "d", "major": "m", "period": "p"]] }, "education[0].status"),
        (
            "free text over 2000", { $0["work_experiences"] = [["company": String(repeating: "c", count: 2001), "position": "p", "duration": "d"]] },
            "work_experiences[0].company"
        ),
        ("list over 50", { $0["technical_skills"] = ["others": Array(repeating: "x", count: 51)] }, "technical_skills.others"),
        ("unknown top-level field", { $0["salary"] = 100 }, "salary"),
        ("unknown nested field", { $0["contact"] = ["email": "a@b.co", "fax": "1"] }, "contact.fax"),
    ]

    @Test func everyRuleIsEnforcedWithTheFieldNamedIn422() async throws {
        try await withEdge { client in
            for (name, breakRule, field) in Self.ruleCases {
                var body = validBody()
                breakRule(&body)
                let response = try await client.post("/api/v1/resumes", body)
                #expect(response.status == .unprocessableContent, "\(name)")
                #expect(try violatedFields(response) == [field], "\(name)")
                #expect(try json(response)["error_code"] as? String == "VALIDATION_ERROR", "\(name)")
            }
            // None of the rejected bodies was stored.
            let list = try await client.execute(uri: "/api/v1/resumes", method: .get)
            #expect((try json(list)["resumes"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func updateEnforcesTheSameRules() async throws {
        try await withEdge { client in
            _ = try await client.post("/api/v1/resumes", validBody())
            var body = validBody()
            body["summary"] = "short"
            let response = try await client.execute(uri: "/api/v1/resumes/Jane%20Doe_1", method: .put, body: try buffer(body))
            #expect(response.status == .unprocessableContent)
            #expect(try violatedFields(response) == ["summary"])
        }
    }

    @Test func concurrentCreatesGetDistinctKeysAndDeletedKeysAreNotReused() async throws {
        try await withEdge { client in
            let keys = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        let response = try await client.post("/api/v1/resumes", validBody(name: "name"))
                        #expect(response.status == .created)
                        return try json(response)["unique_key"] as? String ?? ""
                    }
                }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(Set(keys) == Set((1...50).map { "name_\($0)" }))
            #expect(keys.count == 50)
            let deleted = try await client.execute(uri: "/api/v1/resumes/name_3", method: .delete)
            #expect(deleted.status == .noContent)
            let next = try await client.post("/api/v1/resumes", validBody(name: "name"))
            #expect(try json(next)["unique_key"] as? String == "name_51")
        }
    }

    @Test func createReturnsLocationAndGetReturnsEveryField() async throws {
        try await withEdge { client in
            let created = try await client.post("/api/v1/resumes", validBody(name: "  김민수 "))
            #expect(created.status == .created)
            let key = try json(created)["unique_key"] as? String
            #expect(key == "김민수_1")
            let location = try #require(created.headers[.location])
            #expect(location == "/api/v1/resumes/%EA%B9%80%EB%AF%BC%EC%88%98_1")
            let fetched = try await client.execute(uri: location, method: .get)
            #expect(fetched.status == .ok)
            let resume = try json(fetched)
            #expect(resume["name"] as? String == "김민수")
            #expect(try resume["id"] as? String == json(created)["resume_id"] as? String)
            #expect((resume["created_at"] as? String)?.hasSuffix("Z") == true)
            #expect((resume["work_experiences"] as? [[String: Any]])?.first?["company"] as? String == "Acme")
            #expect(String(buffer: fetched.body).contains("김민수"))
        }
    }

    @Test func unknownResumeIs404WithTheErrorBody() async throws {
        try await withEdge { client in
            let response = try await client.execute(
                uri: "/api/v1/resumes/nobody_1", method: .get, headers: [HTTPField.Name("X-Request-ID")!: "req-42"])
            #expect(response.status == .notFound)
            let body = try json(response)
            #expect(body["error_code"] as? String == "RESUME_NOT_FOUND")
            #expect(body["request_id"] as? String == "req-42")
            #expect((body["details"] as? [String: Any])?["unique_key"] as? String == "nobody_1")
            #expect(response.headers[HTTPField.Name("X-Request-ID")!] == "req-42")
            for method in [HTTPRequest.Method.put, .delete] {
                let other = try await client.execute(uri: "/api/v1/resumes/nobody_1", method: method, body: try buffer(validBody()))
                #expect(other.status == .notFound)
            }
        }
    }

    @Test func unknownRouteAndWrongMethodUseTheErrorBody() async throws {
        try await withEdge { client in
            let missing = try await client.execute(uri: "/api/v1/nothing-here", method: .get)
            #expect(missing.status == .notFound)
            #expect(try json(missing)["error_code"] as? String == "NOT_FOUND")
            #expect(try json(missing)["request_id"] as? String != nil)

            let wrong = try await client.execute(uri: "/api/v1/resumes/x_1", method: .patch)
            #expect(wrong.status == .methodNotAllowed)
            #expect(try json(wrong)["error_code"] as? String == "METHOD_NOT_ALLOWED")
            #expect(wrong.headers[.allow] == "GET, HEAD, PUT, DELETE")
        }
    }

    @Test func bodyOver256KiBIs413() async throws {
        try await withEdge { client in
            var body = validBody()
            body["summary"] = String(repeating: "x", count: 300 * 1024)
            let response = try await client.post("/api/v1/resumes", body)
            #expect(response.status == .contentTooLarge)
            #expect(try json(response)["error_code"] as? String == "PAYLOAD_TOO_LARGE")
        }
    }

    @Test func listsInPagesNewestFirstAndByUser() async throws {
        try await withEdge { client in
            for name in ["Kim", "Lee", "Kim"] { _ = try await client.post("/api/v1/resumes", validBody(name: name)) }
            let first = try json(try await client.execute(uri: "/api/v1/resumes?limit=2", method: .get))
            let firstKeys = (first["resumes"] as? [[String: Any]])?.compactMap { $0["unique_key"] as? String }
            #expect(firstKeys == ["Kim_2", "Lee_1"])
            let cursor = try #require(first["next_cursor"] as? String)
            let second = try json(try await client.execute(uri: "/api/v1/resumes?limit=2&cursor=\(cursor)", method: .get))
            #expect((second["resumes"] as? [[String: Any]])?.compactMap { $0["unique_key"] as? String } == ["Kim_1"])
            #expect(second["next_cursor"] is NSNull)

            let user = try json(try await client.execute(uri: "/api/v1/resumes/user/Kim", method: .get))
            #expect(user["user"] as? String == "Kim")
            #expect(user["count"] as? Int == 2)

            let nobody = try await client.execute(uri: "/api/v1/resumes/user/Park", method: .get)
            #expect(nobody.status == .notFound)
            #expect(try json(nobody)["error_code"] as? String == "RESUME_NOT_FOUND")

            let badLimit = try await client.execute(uri: "/api/v1/resumes?limit=500&cursor=%21%21", method: .get)
            #expect(badLimit.status == .unprocessableContent)
            #expect(try violatedFields(badLimit) == ["limit", "cursor"])
        }
    }

    @Test func putReplacesContentKeepingKeyAndCreationTime() async throws {
        try await withEdge { client in
            let created = try json(try await client.post("/api/v1/resumes", validBody()))
            let before = try json(try await client.execute(uri: "/api/v1/resumes/Jane%20Doe_1", method: .get))
            var body = validBody()
            body["summary"] = "Platform engineer running Kubernetes."
            body["work_experiences"] = []
            let response = try await client.execute(uri: "/api/v1/resumes/Jane%20Doe_1/", method: .put, body: try buffer(body))
            #expect(response.status == .ok)
            let after = try json(response)
            #expect(after["unique_key"] as? String == created["unique_key"] as? String)
            #expect(after["created_at"] as? String == before["created_at"] as? String)
            #expect(after["summary"] as? String == "Platform engineer running Kubernetes.")
            #expect((after["work_experiences"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func healthRoutesAndOpenAPIDescribeWhatIsServed() async throws {
        try await withEdge { client in
            // The first check also connects to the just-started server; on a loaded machine that
            // can outlast the check's 2 s timeout, so give it a few tries.
            var health = try await client.execute(uri: "/api/v1/resumes/health", method: .get)
            for _ in 0..<5 where health.status != .ok {
                health = try await client.execute(uri: "/api/v1/resumes/health", method: .get)
            }
            #expect(health.status == .ok)
            #expect(try json(health)["status"] as? String == "healthy")
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .ok)
            let document = try json(try await client.execute(uri: "/openapi.json", method: .get))
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            #expect(Set(paths.keys).isSuperset(of: ["/api/v1/resumes", "/api/v1/resumes/{unique_key}", "/api/v1/resumes/user/{name}", "/healthz", "/readyz"]))
            #expect(Set(paths["/api/v1/resumes/{unique_key}"]?.keys ?? [:].keys) == ["get", "put", "delete"])
        }
    }
}
