import Foundation

/// Limits of the Resume contract (docs/REST-API.md, "Resume"); lengths are in code points.
public enum ResumeLimits {
    public static let nameLength = 1...50
    public static let summaryLength = 10...500
    public static let experienceMonths = 0...720
    /// Any free-text field.
    public static let maxTextLength = 2_000
    /// Any list.
    public static let maxListItems = 50
    /// A `unique_key` (`{name}_{n}`), in code points: longer keys are never found.
    public static let maxUniqueKeyLength = 100
    /// An `Idempotency-Key` header of the async generation routes, in code points.
    public static let idempotencyKeyLength = 1...200
    /// An e-mail address, in code points.
    public static let maxEmailLength = 254
    /// `work_experiences[].team_size`.
    public static let teamSize = 1...100_000
    /// A whole request body, in bytes.
    public static let maxBodyBytes = 256 * 1024
}

extension ResumeContent {
    /// The content with the name trimmed, or a `VALIDATION_ERROR` naming every violated rule.
    public func validated() throws(CoachError) -> ResumeContent {
        var checker = RuleChecker()
        var normalized = self
        normalized.name = checker.personName(name, field: "name")

        if let contact {
            checker.optionalText(contact.phone, field: "contact.phone")
            checker.email(contact.email, field: "contact.email")
            checker.url(contact.github, field: "contact.github")
            checker.url(contact.linkedin, field: "contact.linkedin")
            checker.url(contact.portfolio, field: "contact.portfolio")
        } else {
            checker.fail("contact", "field required (may be {})")
        }

        checker.requiredText(summary, field: "summary", length: ResumeLimits.summaryLength)

        if let months = totalExperienceMonths {
            if !ResumeLimits.experienceMonths.contains(months) {
                checker.fail("total_experience_months", "must be between 0 and 720")
            }
        } else {
            checker.fail("total_experience_months", "field required")
        }

        checker.list(workExperiences, field: "work_experiences") { checker, item, path in
            checker.requiredText(item.company, field: "\(path).company")
            checker.requiredText(item.position, field: "\(path).position")
            checker.requiredText(item.duration, field: "\(path).duration")
            checker.optionalText(item.projectName, field: "\(path).project_name")
            checker.optionalText(item.projectDescription, field: "\(path).project_description")
            checker.strings(item.techStack, field: "\(path).tech_stack")
            checker.strings(item.achievements, field: "\(path).achievements")
            if let size = item.teamSize, !ResumeLimits.teamSize.contains(size) {
                checker.fail("\(path).team_size", "must be between 1 and \(ResumeLimits.teamSize.upperBound)")
            }
        }

        checker.list(personalProjects, field: "personal_projects") { checker, item, path in
            checker.requiredText(item.name, field: "\(path).name")
            checker.requiredText(item.description, field: "\(path).description")
            if let stack = item.techStack {
                checker.strings(stack, field: "\(path).tech_stack")
            } else {
                checker.fail("\(path).tech_stack", "field required")
            }
            checker.optionalText(item.duration, field: "\(path).duration")
            checker.url(item.githubURL, field: "\(path).github_url")
            checker.url(item.demoURL, field: "\(path).demo_url")
            checker.strings(item.keyAchievements, field: "\(path).key_achievements")
            checker.strings(item.architectureHighlights, field: "\(path).architecture_highlights")
        }

        if let skills = technicalSkills {
            for (field, items) in skills.namedLists {
                checker.strings(items, field: "technical_skills.\(field)")
            }
        } else {
            checker.fail("technical_skills", "field required (may be {})")
        }

        checker.list(certifications, field: "certifications") { checker, item, path in
            checker.requiredText(item.name, field: "\(path).name")
            checker.requiredText(item.issuer, field: "\(path).issuer")
            checker.requiredText(item.issueDate, field: "\(path).issue_date")
            checker.optionalText(item.expiryDate, field: "\(path).expiry_date")
            checker.url(item.credentialURL, field: "\(path).credential_url")
        }

        checker.list(activities, field: "activities") { checker, item, path in
            checker.requiredText(item.type, field: "\(path).type")
            checker.requiredText(item.name, field: "\(path).name")
            checker.requiredText(item.description, field: "\(path).description")
            checker.optionalText(item.period, field: "\(path).period")
            checker.strings(item.achievements, field: "\(path).achievements")
            checker.url(item.url, field: "\(path).url")
        }

        checker.list(education, field: "education") { checker, item, path in
            checker.requiredText(item.institution, field: "\(path).institution")
            checker.requiredText(item.degree, field: "\(path).degree")
            checker.requiredText(item.major, field: "\(path).major")
            checker.requiredText(item.period, field: "\(path).period")
            checker.requiredText(item.status, field: "\(path).status")
        }

        if !checker.violations.isEmpty { throw CoachError.validation(checker.violations) }
        normalized.trimLinks()
        return normalized
    }

    /// E-mail and URL fields without the surrounding whitespace their rules allow.
    private mutating func trimLinks() {
        func trim(_ value: inout String?) { value = value.map(TextRules.trimmed) }
        if var links = contact {
            trim(&links.email)
            trim(&links.github)
            trim(&links.linkedin)
            trim(&links.portfolio)
            contact = links
        }
        for index in personalProjects.indices {
            trim(&personalProjects[index].githubURL)
            trim(&personalProjects[index].demoURL)
        }
        for index in certifications.indices { trim(&certifications[index].credentialURL) }
        for index in activities.indices { trim(&activities[index].url) }
    }
}

/// Validates a candidate name as used in keys and the `/resumes/user/{name}` route; returns it trimmed.
public func validatedPersonName(_ name: String, field: String = "name") throws(CoachError) -> String {
    var checker = RuleChecker()
    let trimmed = checker.personName(name, field: field)
    if !checker.violations.isEmpty { throw CoachError.validation(checker.violations) }
    return trimmed
}

/// Collects violations; each check adds at most one per field.
struct RuleChecker {
    var violations: [FieldViolation] = []

    mutating func fail(_ field: String, _ message: String) {
        violations.append(FieldViolation(field: field, message: message))
    }

    mutating func personName(_ name: String, field: String) -> String {
        let trimmed = TextRules.trimmed(name)
        if trimmed.isEmpty {
            fail(field, "field required")
        } else if !TextRules.personName.matches(name) {
            if !ResumeLimits.nameLength.contains(TextRules.length(trimmed)) {
                fail(field, "must be 1-50 characters")
            } else if trimmed.contains("/") {
                fail(field, "must not contain '/'")
            } else if trimmed.unicodeScalars.contains(where: TextRules.isBidiControl) {
                fail(field, "must not contain bidirectional formatting characters")
            } else {
                fail(field, "must not contain control characters")
            }
        }
        return trimmed
    }

    mutating func requiredText(_ value: String, field: String, length: ClosedRange<Int>? = nil) {
        let count = TextRules.length(value)
        if TextRules.isBlank(value) {
            fail(field, "field required")
        } else if let length, !length.contains(count) {
            fail(field, "must be \(length.lowerBound)-\(length.upperBound) characters")
        } else if count > ResumeLimits.maxTextLength {
            fail(field, "must be at most \(ResumeLimits.maxTextLength) characters")
        }
    }

    mutating func optionalText(_ value: String?, field: String) {
        if let value, TextRules.length(value) > ResumeLimits.maxTextLength {
            fail(field, "must be at most \(ResumeLimits.maxTextLength) characters")
        }
    }

    mutating func strings(_ items: [String], field: String) {
        if items.count > ResumeLimits.maxListItems {
            fail(field, "must have at most \(ResumeLimits.maxListItems) items")
            return
        }
        for (index, item) in items.enumerated() {
            optionalText(item, field: "\(field)[\(index)]")
        }
    }

    mutating func list<T>(_ items: [T], field: String, each: (inout RuleChecker, T, String) -> Void) {
        if items.count > ResumeLimits.maxListItems {
            fail(field, "must have at most \(ResumeLimits.maxListItems) items")
            return
        }
        for (index, item) in items.enumerated() {
            each(&self, item, "\(field)[\(index)]")
        }
    }

    mutating func email(_ value: String?, field: String) {
        guard let value else { return }
        if TextRules.length(value) > ResumeLimits.maxEmailLength || !TextRules.email.matches(value) {
            fail(field, "must be an email address")
        }
    }

    mutating func url(_ value: String?, field: String) {
        guard let value else { return }
        if TextRules.length(value) > ResumeLimits.maxTextLength {
            fail(field, "must be at most \(ResumeLimits.maxTextLength) characters")
        } else if !TextRules.webURL.matches(value) {
            fail(field, "must be an http or https URL")
        }
    }
}

/// An absolute `http`/`https` URL with a host (`TextRules.webURL`).
public func isWebURL(_ value: String) -> Bool {
    TextRules.webURL.matches(value) && TextRules.trimmed(value) == value
}
