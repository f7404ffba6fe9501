import CoachCore
import CoachProtos
import Foundation
import SwiftProtobuf

// Lossless conversion between the domain resume types and their gRPC messages: optional
// fields keep their presence both ways.

public typealias ResumeMessage = Interviewcoach_V1_Resume
public typealias ResumeContentMessage = Interviewcoach_V1_ResumeContent

extension ResumeContent {
    public init(proto p: ResumeContentMessage) {
        self.init(
            name: p.name,
            contact: p.hasContact ? Contact(proto: p.contact) : nil,
            summary: p.summary,
            totalExperienceMonths: p.hasTotalExperienceMonths ? Int(p.totalExperienceMonths) : nil,
            workExperiences: p.workExperiences.map(WorkExperience.init(proto:)),
            personalProjects: p.personalProjects.map(PersonalProject.init(proto:)),
            technicalSkills: p.hasTechnicalSkills ? TechnicalSkills(proto: p.technicalSkills) : nil,
            certifications: p.certifications.map(Certification.init(proto:)),
            activities: p.activities.map(Activity.init(proto:)),
            education: p.education.map(Education.init(proto:)))
    }

    public var proto: ResumeContentMessage {
        var p = ResumeContentMessage()
        p.name = name
        if let contact { p.contact = contact.proto }
        p.summary = summary
        if let months = totalExperienceMonths { p.totalExperienceMonths = Int32(clamping: months) }
        p.workExperiences = workExperiences.map(\.proto)
        p.personalProjects = personalProjects.map(\.proto)
        if let skills = technicalSkills { p.technicalSkills = skills.proto }
        p.certifications = certifications.map(\.proto)
        p.activities = activities.map(\.proto)
        p.education = education.map(\.proto)
        return p
    }
}

extension Resume {
    public init(proto p: ResumeMessage) {
        self.init(
            id: p.id, uniqueKey: p.uniqueKey, content: ResumeContent(proto: p.content),
            createdAt: p.createdAt.date, updatedAt: p.updatedAt.date)
    }

    public var proto: ResumeMessage {
        var p = ResumeMessage()
        p.id = id
        p.uniqueKey = uniqueKey
        p.content = content.proto
        p.createdAt = Google_Protobuf_Timestamp(date: createdAt)
        p.updatedAt = Google_Protobuf_Timestamp(date: updatedAt)
        return p
    }
}

extension Contact {
    init(proto p: Interviewcoach_V1_Contact) {
        self.init(
            phone: p.hasPhone ? p.phone : nil, email: p.hasEmail ? p.email : nil,
            github: p.hasGithub ? p.github : nil, linkedin: p.hasLinkedin ? p.linkedin : nil,
            portfolio: p.hasPortfolio ? p.portfolio : nil)
    }

    var proto: Interviewcoach_V1_Contact {
        var p = Interviewcoach_V1_Contact()
        if let phone { p.phone = phone }
        if let email { p.email = email }
        if let github { p.github = github }
        if let linkedin { p.linkedin = linkedin }
        if let portfolio { p.portfolio = portfolio }
        return p
    }
}

extension WorkExperience {
    init(proto p: Interviewcoach_V1_WorkExperience) {
        self.init(
            company: p.company, position: p.position, duration: p.duration,
            projectName: p.hasProjectName ? p.projectName : nil,
            projectDescription: p.hasProjectDescription ? p.projectDescription : nil,
            techStack: p.techStack, achievements: p.achievements,
            teamSize: p.hasTeamSize ? Int(p.teamSize) : nil)
    }

    var proto: Interviewcoach_V1_WorkExperience {
        var p = Interviewcoach_V1_WorkExperience()
        p.company = company
        p.position = position
        p.duration = duration
        if let projectName { p.projectName = projectName }
        if let projectDescription { p.projectDescription = projectDescription }
        p.techStack = techStack
        p.achievements = achievements
        if let teamSize { p.teamSize = Int32(clamping: teamSize) }
        return p
    }
}

extension PersonalProject {
    init(proto p: Interviewcoach_V1_PersonalProject) {
        self.init(
            name: p.name, description: p.description_p, techStack: p.techStack,
            duration: p.hasDuration ? p.duration : nil, githubURL: p.hasGithubURL ? p.githubURL : nil,
            demoURL: p.hasDemoURL ? p.demoURL : nil, keyAchievements: p.keyAchievements,
            architectureHighlights: p.architectureHighlights)
    }

    var proto: Interviewcoach_V1_PersonalProject {
        var p = Interviewcoach_V1_PersonalProject()
        p.name = name
        p.description_p = description
        p.techStack = techStack ?? []
        if let duration { p.duration = duration }
        if let githubURL { p.githubURL = githubURL }
        if let demoURL { p.demoURL = demoURL }
        p.keyAchievements = keyAchievements
        p.architectureHighlights = architectureHighlights
        return p
    }
}

extension TechnicalSkills {
    init(proto p: Interviewcoach_V1_TechnicalSkills) {
        self.init(
            programmingLanguages: p.programmingLanguages, frameworks: p.frameworks, databases: p.databases,
            messageQueueCaching: p.messageQueueCaching, cloudPlatforms: p.cloudPlatforms,
            devopsTools: p.devopsTools, monitoringTools: p.monitoringTools, others: p.others)
    }

    var proto: Interviewcoach_V1_TechnicalSkills {
        var p = Interviewcoach_V1_TechnicalSkills()
        p.programmingLanguages = programmingLanguages
        p.frameworks = frameworks
        p.databases = databases
        p.messageQueueCaching = messageQueueCaching
        p.cloudPlatforms = cloudPlatforms
        p.devopsTools = devopsTools
        p.monitoringTools = monitoringTools
        p.others = others
        return p
    }
}

extension Certification {
    init(proto p: Interviewcoach_V1_Certification) {
        self.init(
            name: p.name, issuer: p.issuer, issueDate: p.issueDate,
            expiryDate: p.hasExpiryDate ? p.expiryDate : nil,
            credentialURL: p.hasCredentialURL ? p.credentialURL : nil)
    }

    var proto: Interviewcoach_V1_Certification {
        var p = Interviewcoach_V1_Certification()
        p.name = name
        p.issuer = issuer
        p.issueDate = issueDate
        if let expiryDate { p.expiryDate = expiryDate }
        if let credentialURL { p.credentialURL = credentialURL }
        return p
    }
}

extension Activity {
    init(proto p: Interviewcoach_V1_Activity) {
        self.init(
            type: p.type, name: p.name, description: p.description_p, period: p.hasPeriod ? p.period : nil,
            achievements: p.achievements, url: p.hasURL ? p.url : nil)
    }

    var proto: Interviewcoach_V1_Activity {
        var p = Interviewcoach_V1_Activity()
        p.type = type
        p.name = name
        p.description_p = description
        if let period { p.period = period }
        p.achievements = achievements
        if let url { p.url = url }
        return p
    }
}

extension Education {
    init(proto p: Interviewcoach_V1_Education) {
        self.init(institution: p.institution, degree: p.degree, major: p.major, period: p.period, status: p.status)
    }

    var proto: Interviewcoach_V1_Education {
        var p = Interviewcoach_V1_Education()
        p.institution = institution
        p.degree = degree
        p.major = major
        p.period = period
        p.status = status
        return p
    }
}
