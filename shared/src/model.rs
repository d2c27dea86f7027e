//! The domain's vocabulary: categories, repair sizes and scopes, order events,
//! escalation levels, severities and deadline kinds, each with its Chinese and English
//! label so every surface names them the same way.

use serde::{Deserialize, Serialize};

/// Defines a fieldless enum with its serde name, Chinese and English labels, an `ALL`
/// list and `as_str`/`parse`, so the names in JSON, the UI and the code cannot drift.
macro_rules! labelled_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $id:literal, $zh:literal, $en:literal; )+ }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in declaration order (which is also the `Ord` order).
            pub const ALL: &'static [$name] = &[ $( $name::$variant, )+ ];

            /// The stable identifier used in JSON and URLs.
            pub fn as_str(&self) -> &'static str {
                match self { $( $name::$variant => $id, )+ }
            }

            /// The Chinese label shown to staff and residents.
            pub fn zh(&self) -> &'static str {
                match self { $( $name::$variant => $zh, )+ }
            }

            /// The English label.
            pub fn en(&self) -> &'static str {
                match self { $( $name::$variant => $en, )+ }
            }

            /// Parses the stable identifier (`as_str`); `None` for anything else.
            pub fn parse(s: &str) -> Option<$name> {
                match s { $( $id => Some($name::$variant), )+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use labelled_enum;

labelled_enum! {
    /// C-1: the 14 customer information categories [000 4.1].
    Category {
        Complaint = "complaint", "投诉", "Complaint";
        Repair = "repair", "报修", "Repair";
        Renovation = "renovation", "装修", "Renovation";
        Security = "security", "安全", "Security";
        Vehicles = "vehicles", "车辆", "Vehicles";
        Equipment = "equipment", "设备设施", "Equipment & facilities";
        Environment = "environment", "环境管理", "Environment";
        Staff = "staff", "物业人员", "Staff";
        CommunityBusiness = "community_business", "社区经营", "Community business";
        Suggestion = "suggestion", "建议", "Suggestion";
        Praise = "praise", "表扬", "Praise";
        Consultation = "consultation", "咨询", "Consultation";
        SpecialService = "special_service", "特约服务", "Special (paid) service";
        Other = "other", "其他", "Other";
    }
}

labelled_enum! {
    /// C-2: repair size [000 4.4.2b]; it picks the completion deadline (D-3).
    /// EVAL.md: `general` when not given.
    #[derive(Default)]
    RepairSize {
        #[default]
        General = "general", "一般性故障", "General fault";
        Small = "small", "小修", "Small repair";
        Medium = "medium", "中修", "Medium repair";
        Major = "major", "大修", "Major repair";
    }
}

labelled_enum! {
    /// C-2: repair scope [000 4.4.2a]; cgy answers public repairs on a different clock
    /// (D-2 [003 10.4.2]).
    RepairScope {
        InHome = "in_home", "家政报修", "In-home repair";
        Public = "public", "公共区域报修", "Public-area repair";
    }
}

labelled_enum! {
    /// The order events that deadlines and escalation read (§4 work flow).
    EventKind {
        Dispatched = "dispatched", "派单", "Dispatched";
        Responded = "responded", "响应", "Responded";
        Completed = "completed", "完工", "Completed";
        CalledBack = "called_back", "回访", "Called back";
        Closed = "closed", "关闭", "Closed";
    }
}

labelled_enum! {
    /// D-6: the escalation ladder, lowest first, so `max` picks the higher level.
    #[derive(Default)]
    Escalation {
        #[default]
        None = "none", "未升级", "Not escalated";
        DepartmentSupervisor = "department_supervisor", "部门主管", "Department supervisor";
        CsSupervisor = "cs_supervisor", "客服主管", "Customer-service supervisor";
        ProjectManager = "project_manager", "项目经理", "Project manager";
        AreaManager = "area_manager", "片区经理", "Area manager";
        QualityCentre = "quality_centre", "品质管理中心", "Quality centre";
    }
}

labelled_enum! {
    /// C-5: complaint severity, lowest first.
    Severity {
        General = "general", "一般", "General";
        Hotspot = "hotspot", "热点", "Hotspot";
        Major = "major", "重大", "Major";
    }
}

labelled_enum! {
    /// The deadlines of an order (D-1…D-5), in the order they are listed.
    DeadlineKind {
        Dispatch = "dispatch", "派单", "Dispatch";
        Response = "response", "响应", "Response";
        Completion = "completion", "完工", "Completion";
        Callback = "callback", "回访", "Callback";
        /// D-5 cmsk: a major complaint's unified response (`complaint::report_deadlines`).
        UnifiedResponse = "unified_response", "重大投诉统一答复", "Unified response (major)";
        /// D-5 crland: unresolved after N working days → reported to the company.
        CompanyReport = "company_report", "未解决报公司", "Unresolved → report to the company";
        /// D-5 crland: a hotspot complaint reported to the quality centre.
        QualityReport = "quality_report", "热点投诉报品质中心", "Hotspot → report to the quality centre";
    }
}

impl DeadlineKind {
    /// The event that meets this deadline. The complaint reports of D-5 are met by more than
    /// one event (`complaint::report_deadlines` says which); their nearest milestone here.
    pub fn event(&self) -> EventKind {
        match self {
            DeadlineKind::Dispatch => EventKind::Dispatched,
            DeadlineKind::Response | DeadlineKind::UnifiedResponse => EventKind::Responded,
            DeadlineKind::Completion
            | DeadlineKind::CompanyReport
            | DeadlineKind::QualityReport => EventKind::Completed,
            DeadlineKind::Callback => EventKind::CalledBack,
        }
    }
}

labelled_enum! {
    /// Where a deadline stands (EVAL.md): met or missed once its event exists, open or
    /// overdue before.
    DeadlineStatus {
        Met = "met", "按时", "Met";
        Missed = "missed", "超时完成", "Missed";
        Open = "open", "进行中", "Open";
        Overdue = "overdue", "已超时", "Overdue";
    }
}

/// The order flags that C-5 and C-6 read; free strings so estates can add their own.
pub mod flags {
    /// Exposed or likely to be exposed by media (C-5 major).
    pub const MEDIA: &str = "media";
    /// Led to litigation (C-5 major).
    pub const LITIGATION: &str = "litigation";
    /// A resident reports that a repaired defect is still there (D-9).
    pub const REWORK: &str = "rework";
    /// A complaint found valid, caused by our own management or service (C-4).
    pub const VALID: &str = "valid";
    /// A complaint found invalid (C-4).
    pub const INVALID: &str = "invalid";
    /// A written or e-mailed complaint (D-5 crland).
    pub const WRITTEN: &str = "written";
    /// Raised by a government body (cmsk C-5 major, with social impact).
    pub const GOVERNMENT: &str = "government";
    /// Petitioned to a higher authority (C-6).
    pub const PETITION: &str = "petition";
    /// Posted on an online forum.
    pub const FORUM: &str = "forum";
    /// Named in a public industry notice (C-6).
    pub const INDUSTRY_NOTICE: &str = "industry_notice";

    /// The flags a person may set on an order (`valid` and `invalid` come from the
    /// assessment's validity instead), with their labels.
    pub const ALL: &[(&str, &str, &str)] = &[
        (MEDIA, "媒体曝光", "media exposure"),
        (LITIGATION, "诉讼", "litigation"),
        (GOVERNMENT, "政府部门转办", "raised by government"),
        (PETITION, "上访", "petition"),
        (INDUSTRY_NOTICE, "行业通报", "industry notice"),
        (WRITTEN, "书面/邮件投诉", "written or e-mailed"),
        (FORUM, "网络论坛发帖", "forum post"),
        (REWORK, "返修", "re-repair"),
    ];

    /// Whether a person may set this flag.
    pub fn is_known(flag: &str) -> bool {
        ALL.iter().any(|(id, _, _)| *id == flag)
    }
}

labelled_enum! {
    /// C-4: whether a complaint is valid, and why not [000 4.4.1a, 004 006-4.2.3].
    Validity {
        Valid = "valid", "有效投诉", "Valid";
        HelpSeeking = "help_seeking", "无效:求助型", "Invalid: help-seeking";
        Consultation = "consultation", "无效:咨询型", "Invalid: consultation";
        Venting = "venting", "无效:发泄型", "Invalid: venting";
        OutsideControl = "outside_control", "无效:非我方可控", "Invalid: outside our control";
    }
}

labelled_enum! {
    /// C-3: complaint business categories, the union of the presets' lists (cmsk [000
    /// 4.4.1b], crland [004 006-4.2.1]); [`ComplaintBusiness::of_preset`] gives one preset's.
    ComplaintBusiness {
        Renovation = "renovation", "装修", "Renovation";
        Security = "security", "安全", "Security";
        Vehicles = "vehicles", "车辆", "Vehicles";
        Equipment = "equipment", "设备设施", "Equipment & facilities";
        Environment = "environment", "环境", "Environment";
        Staff = "staff", "物业人员", "Staff";
        ComplaintHandling = "complaint_handling", "投诉处理", "Complaint handling";
        CommunityBusiness = "community_business", "社区经营", "Community business";
        AfterSales = "after_sales", "售后", "After-sales";
        Engineering = "engineering", "工程", "Engineering";
        GeneralService = "general_service", "综合服务", "General service";
        Neighbours = "neighbours", "邻里纠纷", "Neighbour disputes";
        Developer = "developer", "开发商相关", "Developer-related";
        Other = "other", "其他(市政供应等)", "Other (municipal supply etc.)";
    }
}

impl ComplaintBusiness {
    /// The categories a preset's rulebook lists: crland's own list, cmsk's for the others
    /// (cgy and kwy cite no list of their own).
    pub fn of_preset(preset: &str) -> &'static [ComplaintBusiness] {
        use ComplaintBusiness::*;
        match preset {
            "crland" => &[
                Security,
                Environment,
                Engineering,
                GeneralService,
                Neighbours,
                Developer,
                Other,
            ],
            _ => &[
                Renovation,
                Security,
                Vehicles,
                Equipment,
                Environment,
                Staff,
                ComplaintHandling,
                CommunityBusiness,
                AfterSales,
                Other,
            ],
        }
    }
}

labelled_enum! {
    /// The staff roles of DOMAIN.md §1; residents have no accounts. The server checks them on
    /// every request and the app shows only the actions a role may take, from this one list.
    Role {
        Caretaker = "caretaker", "管家", "caretaker";
        FrontDesk = "front_desk", "客服前台", "front desk";
        Technician = "technician", "维修人员", "technician";
        DeptSupervisor = "dept_supervisor", "部门主管", "department supervisor";
        CsSupervisor = "cs_supervisor", "客服主管", "customer-service supervisor";
        ProjectManager = "project_manager", "项目经理", "project manager";
        AreaManager = "area_manager", "片区经理", "area manager";
        QualityCentre = "quality_centre", "品质管理中心", "quality centre";
        Admin = "admin", "管理员", "administrator";
    }
}

impl Role {
    /// Who works the desk inbox: the desk itself and everyone an order can be escalated to.
    pub fn may_use_desk(self) -> bool {
        !matches!(self, Role::Caretaker | Role::Technician)
    }

    /// The rungs of the escalation ladder (D-6) and the administrator: they settle conflicts
    /// and escalate.
    pub fn is_supervisor(self) -> bool {
        self.may_use_desk() && self != Role::FrontDesk
    }

    /// Company-level roles see every estate of their company (DOMAIN §1: the quality
    /// centre is the company's); others see the estates and regions they are given.
    pub fn company_wide(self) -> bool {
        self == Role::QualityCentre
    }

    /// Who answers for regions (`staff_regions`) and so sees every estate of them: the
    /// area manager (DOMAIN §1). Any other role keeps no region, and a region row left on
    /// one counts for nothing.
    pub fn answers_for_regions(self) -> bool {
        self == Role::AreaManager
    }

    /// Who sets an estate's rules (its preset, overrides and calendar): its manager, those
    /// above, and the administrator.
    pub fn sets_estate_rules(self) -> bool {
        matches!(
            self,
            Role::ProjectManager | Role::AreaManager | Role::QualityCentre | Role::Admin
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_serde_and_parse() {
        for c in Category::ALL {
            let json = serde_json::to_string(c).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", c.as_str()));
            assert_eq!(Category::parse(c.as_str()), Some(*c));
        }
        assert_eq!(Category::ALL.len(), 14, "C-1 has exactly 14 categories");
        assert_eq!(Category::CommunityBusiness.as_str(), "community_business");
        assert_eq!(Category::Repair.zh(), "报修");
    }

    #[test]
    fn ladders_are_ordered() {
        assert!(Escalation::QualityCentre > Escalation::AreaManager);
        assert!(Escalation::DepartmentSupervisor > Escalation::None);
        assert!(Severity::Major > Severity::Hotspot && Severity::Hotspot > Severity::General);
    }
}

labelled_enum! {
    /// Where a report came from (渠道) [000 3.5, 004 4.4.1].
    Channel {
        Hotline = "hotline", "24小时服务热线", "24-h service hotline";
        Hotline400 = "hotline_400", "400监督热线", "400 supervision hotline";
        WalkIn = "walk_in", "来访", "Walk-in";
        Phone = "phone", "来电", "Phone";
        Letter = "letter", "来信", "Letter";
        Email = "email", "电子邮件", "E-mail";
        WebForm = "web_form", "网页/住户端", "Web form";
        Forum = "forum", "网络论坛", "Online forum";
        Patrol = "patrol", "巡查发现", "Patrol finding";
        Visit = "visit", "走访发现", "Visit finding";
    }
}

labelled_enum! {
    /// How a household was visited (V-1).
    VisitMethod {
        Phone = "phone", "电话拜访", "By phone";
        Door = "door", "上门拜访", "At the door";
        Outdoor = "outdoor", "户外偶遇", "Met outdoors";
    }
}
