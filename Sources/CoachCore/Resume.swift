import Foundation

/// Contact details; every field optional (`contact` itself is required, `{}` allowed).
public struct Contact: Sendable, Hashable, Codable {
    public var phone: String?
    public var email: String?
    public var github: String?
    public var linkedin: String?
    public var portfolio: String?

    public init(
        phone: String? = nil, email: String? = nil, github: String? = nil, linkedin: String? = nil,
        portfolio: String? = nil
    ) {
        self.phone = phone
        self.email = email
        self.github = github
        self.linkedin = linkedin
        self.portfolio = portfolio
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case phone, email, github, linkedin, portfolio
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        phone = try c.decodeIfPresent(String.self, forKey: .phone)
        email = try c.decodeIfPresent(String.self, forKey: .email)
        github = try c.decodeIfPresent(String.self, forKey: .github)
        linkedin = try c.decodeIfPresent(String.self, forKey: .linkedin)
        portfolio = try c.decodeIfPresent(String.self, forKey: .portfolio)
    }
}

public struct WorkExperience: Sendable, Hashable, Codable {
    public var company: String
    public var position: String
    public var duration: String
    public var projectName: String?
    public var projectDescription: String?
    public var techStack: [String]
    public var achievements: [String]
    public var teamSize: Int?

    public init(
        company: String, position: String, duration: String, projectName: String? = nil,
        projectDescription: String? = nil, techStack: [String] = [], achievements: [String] = [],
        teamSize: Int? = nil
    ) {
        self.company = company
        self.position = position
        self.duration = duration
        self.projectName = projectName
        self.projectDescription = projectDescription
        self.techStack = techStack
        self.achievements = achievements
        self.teamSize = teamSize
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case company, position, duration
        case projectName = "project_name"
        case projectDescription = "project_description"
        case techStack = "tech_stack"
        case achievements
        case teamSize = "team_size"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        company = try c.text(.company)
        position = try c.text(.position)
        duration = try c.text(.duration)
        projectName = try c.decodeIfPresent(String.self, forKey: .projectName)
        projectDescription = try c.decodeIfPresent(String.self, forKey: .projectDescription)
        techStack = try c.list(.techStack)
        achievements = try c.list(.achievements)
        teamSize = try c.decodeIfPresent(Int.self, forKey: .teamSize)
    }
}

public struct PersonalProject: Sendable, Hashable, Codable {
    public var name: String
    public var description: String
    /// Required by the contract; `nil` only while a body that omitted it awaits validation.
    public var techStack: [String]?
    public var duration: String?
    public var githubURL: String?
    public var demoURL: String?
    public var keyAchievements: [String]
    public var architectureHighlights: [String]

    public init(
        name: String, description: String, techStack: [String]?, duration: String? = nil,
        githubURL: String? = nil, demoURL: String? = nil, keyAchievements: [String] = [],
        architectureHighlights: [String] = []
    ) {
        self.name = name
        self.description = description
        self.techStack = techStack
        self.duration = duration
        self.githubURL = githubURL
        self.demoURL = demoURL
        self.keyAchievements = keyAchievements
        self.architectureHighlights = architectureHighlights
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, description
        case techStack = "tech_stack"
        case duration
        case githubURL = "github_url"
        case demoURL = "demo_url"
        case keyAchievements = "key_achievements"
        case architectureHighlights = "architecture_highlights"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.text(.name)
        description = try c.text(.description)
        techStack = try c.decodeIfPresent([String].self, forKey: .techStack)
        duration = try c.decodeIfPresent(String.self, forKey: .duration)
        githubURL = try c.decodeIfPresent(String.self, forKey: .githubURL)
        demoURL = try c.decodeIfPresent(String.self, forKey: .demoURL)
        keyAchievements = try c.list(.keyAchievements)
        architectureHighlights = try c.list(.architectureHighlights)
    }
}

public struct TechnicalSkills: Sendable, Hashable, Codable {
    public var programmingLanguages: [String]
    public var frameworks: [String]
    public var databases: [String]
    public var messageQueueCaching: [String]
    public var cloudPlatforms: [String]
    public var devopsTools: [String]
    public var monitoringTools: [String]
    public var others: [String]

    public init(
        programmingLanguages: [String] = [], frameworks: [String] = [], databases: [String] = [],
        messageQueueCaching: [String] = [], cloudPlatforms: [String] = [], devopsTools: [String] = [],
        monitoringTools: [String] = [], others: [String] = []
    ) {
        self.programmingLanguages = programmingLanguages
        self.frameworks = frameworks
        self.databases = databases
        self.messageQueueCaching = messageQueueCaching
        self.cloudPlatforms = cloudPlatforms
        self.devopsTools = devopsTools
        self.monitoringTools = monitoringTools
        self.others = others
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case programmingLanguages = "programming_languages"
        case frameworks, databases
        case messageQueueCaching = "message_queue_caching"
        case cloudPlatforms = "cloud_platforms"
        case devopsTools = "devops_tools"
        case monitoringTools = "monitoring_tools"
        case others
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        programmingLanguages = try c.list(.programmingLanguages)
        frameworks = try c.list(.frameworks)
        databases = try c.list(.databases)
        messageQueueCaching = try c.list(.messageQueueCaching)
        cloudPlatforms = try c.list(.cloudPlatforms)
        devopsTools = try c.list(.devopsTools)
        monitoringTools = try c.list(.monitoringTools)
        others = try c.list(.others)
    }

    /// Every list with its JSON field name, in contract order.
    public var namedLists: [(field: String, items: [String])] {
        [
            ("programming_languages", programmingLanguages), ("frameworks", frameworks),
            ("databases", databases), ("message_queue_caching", messageQueueCaching),
            ("cloud_platforms", cloudPlatforms), ("devops_tools", devopsTools),
            ("monitoring_tools", monitoringTools), ("others", others),
        ]
    }
}

public struct Certification: Sendable, Hashable, Codable {
    public var name: String
    public var issuer: String
    public var issueDate: String
    public var expiryDate: String?
    public var credentialURL: String?

    public init(name: String, issuer: String, issueDate: String, expiryDate: String? = nil, credentialURL: String? = nil) {
        self.name = name
        self.issuer = issuer
        self.issueDate = issueDate
        self.expiryDate = expiryDate
        self.credentialURL = credentialURL
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, issuer
        case issueDate = "issue_date"
        case expiryDate = "expiry_date"
        case credentialURL = "credential_url"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.text(.name)
        issuer = try c.text(.issuer)
        issueDate = try c.text(.issueDate)
        expiryDate = try c.decodeIfPresent(String.self, forKey: .expiryDate)
        credentialURL = try c.decodeIfPresent(String.self, forKey: .credentialURL)
    }
}

public struct Activity: Sendable, Hashable, Codable {
    public var type: String
    public var name: String
    public var description: String
    public var period: String?
    public var achievements: [String]
    public var url: String?

    public init(type: String, name: String, description: String, period: String? = nil, achievements: [String] = [], url: String? = nil) {
        self.type = type
        self.name = name
        self.description = description
        self.period = period
        self.achievements = achievements
        self.url = url
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case type, name, description, period, achievements, url
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.text(.type)
        name = try c.text(.name)
        description = try c.text(.description)
        period = try c.decodeIfPresent(String.self, forKey: .period)
        achievements = try c.list(.achievements)
        url = try c.decodeIfPresent(String.self, forKey: .url)
    }
}

public struct Education: Sendable, Hashable, Codable {
    public var institution: String
    public var degree: String
    public var major: String
    public var period: String
    public var status: String

    public init(institution: String, degree: String, major: String, period: String, status: String) {
        self.institution = institution
        self.degree = degree
        self.major = major
        self.period = period
        self.status = status
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case institution, degree, major, period, status
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        institution = try c.text(.institution)
        degree = try c.text(.degree)
        major = try c.text(.major)
        period = try c.text(.period)
        status = try c.text(.status)
    }
}

/// What a candidate submits: the REST `ResumeCreate` body. Decoding is strict (unknown fields
/// throw) and tolerant of omissions, so that `ResumeContent.validated()` can name every missing
/// or invalid field at once.
public struct ResumeContent: Sendable, Hashable, Codable {
    public var name: String
    /// Required; `nil` only before validation.
    public var contact: Contact?
    public var summary: String
    /// Required; `nil` only before validation.
    public var totalExperienceMonths: Int?
    public var workExperiences: [WorkExperience]
    public var personalProjects: [PersonalProject]
    /// Required; `nil` only before validation.
    public var technicalSkills: TechnicalSkills?
    public var certifications: [Certification]
    public var activities: [Activity]
    public var education: [Education]

    public init(
        name: String, contact: Contact? = Contact(), summary: String, totalExperienceMonths: Int?,
        workExperiences: [WorkExperience] = [], personalProjects: [PersonalProject] = [],
        technicalSkills: TechnicalSkills? = TechnicalSkills(), certifications: [Certification] = [],
        activities: [Activity] = [], education: [Education] = []
    ) {
        self.name = name
        self.contact = contact
        self.summary = summary
        self.totalExperienceMonths = totalExperienceMonths
        self.workExperiences = workExperiences
        self.personalProjects = personalProjects
        self.technicalSkills = technicalSkills
        self.certifications = certifications
        self.activities = activities
        self.education = education
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, contact, summary
        case totalExperienceMonths = "total_experience_months"
        case workExperiences = "work_experiences"
        case personalProjects = "personal_projects"
        case technicalSkills = "technical_skills"
        case certifications, activities, education
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.text(.name)
        contact = try c.decodeIfPresent(Contact.self, forKey: .contact)
        summary = try c.text(.summary)
        totalExperienceMonths = try c.decodeIfPresent(Int.self, forKey: .totalExperienceMonths)
        workExperiences = try c.list(.workExperiences)
        personalProjects = try c.list(.personalProjects)
        technicalSkills = try c.decodeIfPresent(TechnicalSkills.self, forKey: .technicalSkills)
        certifications = try c.list(.certifications)
        activities = try c.list(.activities)
        education = try c.list(.education)
    }
}

/// A stored resume.
public struct Resume: Sendable, Hashable {
    public var id: String
    public var uniqueKey: String
    public var content: ResumeContent
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String, uniqueKey: String, content: ResumeContent, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.uniqueKey = uniqueKey
        self.content = content
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
