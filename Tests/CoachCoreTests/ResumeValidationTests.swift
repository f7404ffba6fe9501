import CoachCore
import Foundation
import Testing

/// A resume that passes every rule; each test breaks one.
func validResume() -> ResumeContent {
    ResumeContent(
        name: "  Jane Doe ",
        contact: Contact(email: "jane@example.com", github: "https://github.com/jane"),
        summary: "Backend engineer who builds payment systems.",
        totalExperienceMonths: 36,
        workExperiences: [
            WorkExperience(company: "Acme", position: "Engineer", duration: "2022-2025", techStack: ["Go"], teamSize: 5)
        ],
        personalProjects: [PersonalProject(name: "Ledger", description: "Double-entry ledger", techStack: ["Rust"])],
        technicalSkills: TechnicalSkills(programmingLanguages: ["Go", "Rust"]),
        certifications: [Certification(name: "CKA", issuer: "CNCF", issueDate: "2024-01")],
        activities: [Activity(type: "talk", name: "GopherCon", description: "Talk on queues")],
        education: [Education(institution: "KAIST", degree: "BSc", major: "CS", period: "2014-2018", status: "graduated")])
}

/// The fields named by the violations of `content`, or [] when it is valid.
func violatedFields(_ content: ResumeContent) -> [String] {
    do {
        _ = try content.validated()
        return []
    } catch {
        #expect(error.code == .validationError)
        return error.violations.map(\.field)
    }
}

@Suite struct ResumeValidationTests {
    @Test func acceptsAValidResumeAndTrimsTheName() throws {
        let validated = try validResume().validated()
        #expect(validated.name == "Jane Doe")
    }

    @Test func requiresName() {
        var resume = validResume()
        resume.name = "   "
        #expect(violatedFields(resume) == ["name"])
    }

    @Test func limitsNameTo50Characters() {
        var resume = validResume()
        resume.name = String(repeating: "가", count: 51)
        #expect(violatedFields(resume) == ["name"])
        resume.name = String(repeating: "가", count: 50)
        #expect(violatedFields(resume) == [])
    }

    @Test(arguments: ["Jane\u{0007}Doe", "Jane/Doe", "a\nb"])
    func rejectsControlCharactersAndSlashInName(name: String) {
        var resume = validResume()
        resume.name = name
        #expect(violatedFields(resume) == ["name"])
    }

    @Test func requiresContactButAcceptsAnEmptyOne() {
        var resume = validResume()
        resume.contact = nil
        #expect(violatedFields(resume) == ["contact"])
        resume.contact = Contact()
        #expect(violatedFields(resume) == [])
    }

    @Test(arguments: ["not-an-email", "a@b", "@example.com", "a b@example.com"])
    func rejectsMalformedEmail(email: String) {
        var resume = validResume()
        resume.contact?.email = email
        #expect(violatedFields(resume) == ["contact.email"])
    }

    @Test func requiresHTTPURLsInContact() {
        var resume = validResume()
        resume.contact = Contact(github: "ftp://github.com/x", linkedin: "linkedin.com/in/x", portfolio: "javascript:alert(1)")
        #expect(violatedFields(resume) == ["contact.github", "contact.linkedin", "contact.portfolio"])
    }

    @Test func requiresSummaryOf10To500Characters() {
        var resume = validResume()
        resume.summary = ""
        #expect(violatedFields(resume) == ["summary"])
        resume.summary = "too short"
        #expect(violatedFields(resume) == ["summary"])
        resume.summary = String(repeating: "x", count: 501)
        #expect(violatedFields(resume) == ["summary"])
    }

    @Test func requiresExperienceMonthsBetween0And720() {
        var resume = validResume()
        resume.totalExperienceMonths = nil
        #expect(violatedFields(resume) == ["total_experience_months"])
        resume.totalExperienceMonths = -1
        #expect(violatedFields(resume) == ["total_experience_months"])
        resume.totalExperienceMonths = 721
        #expect(violatedFields(resume) == ["total_experience_months"])
        resume.totalExperienceMonths = 720
        #expect(violatedFields(resume) == [])
    }

    @Test func requiresWorkExperienceFieldsAndPositiveTeamSize() {
        var resume = validResume()
        resume.workExperiences = [WorkExperience(company: "", position: " ", duration: "", teamSize: 0)]
        #expect(
            violatedFields(resume) == [
                "work_experiences[0].company", "work_experiences[0].position", "work_experiences[0].duration",
                "work_experiences[0].team_size",
            ])
    }

    @Test func requiresPersonalProjectFieldsAndWebURLs() {
        var resume = validResume()
        resume.personalProjects = [
            PersonalProject(name: "", description: "", techStack: nil, githubURL: "github.com/x", demoURL: "mailto:x@y.z")
        ]
        #expect(
            violatedFields(resume) == [
                "personal_projects[0].name", "personal_projects[0].description", "personal_projects[0].tech_stack",
                "personal_projects[0].github_url", "personal_projects[0].demo_url",
            ])
    }

    @Test func requiresTechnicalSkillsButAcceptsAnEmptyObject() {
        var resume = validResume()
        resume.technicalSkills = nil
        #expect(violatedFields(resume) == ["technical_skills"])
        resume.technicalSkills = TechnicalSkills()
        #expect(violatedFields(resume) == [])
    }

    @Test func requiresCertificationFields() {
        var resume = validResume()
        resume.certifications = [Certification(name: "", issuer: "", issueDate: "", credentialURL: "nope")]
        #expect(
            violatedFields(resume) == [
                "certifications[0].name", "certifications[0].issuer", "certifications[0].issue_date",
                "certifications[0].credential_url",
            ])
    }

    @Test func requiresActivityFields() {
        var resume = validResume()
        resume.activities = [Activity(type: "", name: "", description: "", url: "x")]
        #expect(
            violatedFields(resume) == [
                "activities[0].type", "activities[0].name", "activities[0].description", "activities[0].url",
            ])
    }

    @Test func requiresEveryEducationField() {
        var resume = validResume()
        resume.education = [Education(institution: "", degree: "", major: "", period: "", status: "")]
        #expect(
            violatedFields(resume) == [
                "education[0].institution", "education[0].degree", "education[0].major", "education[0].period",
                "education[0].status",
            ])
    }

    @Test func limitsFreeTextTo2000Characters() {
        var resume = validResume()
        resume.workExperiences[0].projectDescription = String(repeating: "x", count: 2001)
        resume.workExperiences[0].achievements = [String(repeating: "y", count: 2001)]
        #expect(
            violatedFields(resume) == [
                "work_experiences[0].project_description", "work_experiences[0].achievements[0]",
            ])
    }

    @Test func limitsListsTo50Items() {
        var resume = validResume()
        resume.technicalSkills?.frameworks = Array(repeating: "Gin", count: 51)
        resume.education = Array(repeating: resume.education[0], count: 51)
        #expect(violatedFields(resume) == ["technical_skills.frameworks", "education"])
    }

    @Test func reportsEveryViolationAtOnce() {
        var resume = validResume()
        resume.name = ""
        resume.summary = ""
        resume.totalExperienceMonths = nil
        #expect(violatedFields(resume) == ["name", "summary", "total_experience_months"])
    }
}

@Suite struct RequestBodyDecodingTests {
    @Test func namesUnknownFieldsWithTheirPath() {
        let body = #"{"name": "A", "work_experiences": [{"company": "x", "colour": "red"}]}"#
        do {
            _ = try decodeRequestBody(ResumeContent.self, from: Data(body.utf8))
            Issue.record("expected an error")
        } catch {
            #expect(error.violations.map(\.field) == ["work_experiences[0].colour"])
            #expect(error.code == .validationError)
        }
    }

    /// Stored documents are read without the client-input check, so a field a newer version
    /// wrote does not make an older reader fail (and reads stay cheap); client bodies keep it.
    @Test func storedDocumentsAreReadWithoutTheUnknownFieldCheck() throws {
        let body = #"{"name": "A", "summary": "s", "work_experiences": [{"company": "x", "colour": "red"}]}"#
        let stored = try JSONDecoder.trustedDocuments().decode(ResumeContent.self, from: Data(body.utf8))
        #expect(stored.name == "A")
        #expect(stored.workExperiences.map(\.company) == ["x"])
        #expect(throws: UnknownFieldsError.self) { try JSONDecoder().decode(ResumeContent.self, from: Data(body.utf8)) }
    }

    @Test func namesFieldsOfTheWrongType() {
        let body = #"{"name": "A", "total_experience_months": "ten"}"#
        do {
            _ = try decodeRequestBody(ResumeContent.self, from: Data(body.utf8))
            Issue.record("expected an error")
        } catch {
            #expect(error.violations.map(\.field) == ["total_experience_months"])
        }
    }

    @Test func rejectsMalformedJSONAsBody() {
        do {
            _ = try decodeRequestBody(ResumeContent.self, from: Data("{".utf8))
            Issue.record("expected an error")
        } catch {
            #expect(error.violations.map(\.field) == ["body"])
        }
    }

    @Test func keepsAbsentOptionalFieldsAbsent() throws {
        let body = #"{"name": "A", "contact": {}, "summary": "0123456789", "total_experience_months": 0, "technical_skills": {}}"#
        let content = try decodeRequestBody(ResumeContent.self, from: Data(body.utf8))
        #expect(content.contact == Contact())
        #expect(content.workExperiences.isEmpty)
        #expect(violatedFields(content) == [])
    }
}
