"""Every action_id, callback_id and block_id the bot uses, in one place."""

from __future__ import annotations

import enum


class Action(enum.StrEnum):
    PROJECT_JOIN = "project_join"
    PROJECT_SHOW = "project_show"
    HOME_SET_DEPARTMENT = "home_set_department"
    PROGRESS_EDIT = "progress_edit"
    PROGRESS_OPEN = "progress_open"
    PROGRESS_PROJECT_PICKED = "progress_project_picked"
    APPROVAL_APPROVE = "approval_approve"
    APPROVAL_REJECT = "approval_reject"
    APPROVAL_COMMENT = "approval_comment"
    APPROVAL_WITHDRAW = "approval_withdraw"
    APPROVAL_RESUBMIT = "approval_resubmit"
    APPROVAL_SHOW = "approval_show"
    DIRECTIVE_ACK = "directive_ack"
    DIRECTIVE_INTERIM = "directive_interim"
    DIRECTIVE_COMPLETION = "directive_completion"
    DIRECTIVE_ACCEPT = "directive_accept"
    DIRECTIVE_RETURN = "directive_return"
    DIRECTIVE_SHOW = "directive_show"
    DISCUSSION_VOTE = "discussion_vote"  # a prefix: each option's button adds its position
    DISCUSSION_POLL = "discussion_poll"
    DISCUSSION_CLOSE = "discussion_close"


class Callback(enum.StrEnum):
    PROJECT_NEW = "project_new"
    PROJECT_EDIT = "project_edit"
    DEPARTMENT = "department"
    PROGRESS = "progress"
    APPROVAL_REQUEST = "approval_request"
    APPROVAL_REJECT = "approval_reject"
    APPROVAL_COMMENT = "approval_comment"
    DIRECTIVE_NEW = "directive_new"
    DIRECTIVE_REPORT = "directive_report"
    DIRECTIVE_RETURN = "directive_return"
    DISCUSSION_NEW = "discussion_new"
    DISCUSSION_POLL = "discussion_poll"
    DISCUSSION_CLOSE = "discussion_close"


class Block(enum.StrEnum):
    """Input blocks of the project modal; each holds one element whose action_id is "value"."""

    PROJECT_NAME = "project_name"
    PROJECT_KEY = "project_key"
    PROJECT_DESCRIPTION = "project_description"
    PROJECT_LEAD_DEPARTMENT = "project_lead_department"
    PROJECT_COOPERATING = "project_cooperating"
    PROJECT_CHANNEL = "project_channel"
    PROJECT_LEADS = "project_leads"
    PROJECT_MEMBERS = "project_members"
    PROJECT_TARGET_DATE = "project_target_date"
    PROJECT_CADENCE = "project_cadence"
    PROGRESS_PROJECT = "progress_project"
    PROGRESS_PERCENT = "progress_percent"
    PROGRESS_HEALTH = "progress_health"
    PROGRESS_DONE = "progress_done"
    PROGRESS_NEXT = "progress_next"
    PROGRESS_BLOCKERS = "progress_blockers"
    APPROVAL_PROJECT = "approval_project"
    APPROVAL_TITLE = "approval_title"
    APPROVAL_DETAILS = "approval_details"
    APPROVAL_LINKS = "approval_links"
    APPROVAL_APPROVERS = "approval_approvers"
    APPROVAL_AGREEMENT = "approval_agreement"
    APPROVAL_AGREEMENT_POSITION = "approval_agreement_position"
    APPROVAL_FINAL = "approval_final"
    APPROVAL_READERS = "approval_readers"
    APPROVAL_DUE = "approval_due"
    APPROVAL_REASON = "approval_reason"
    APPROVAL_COMMENT = "approval_comment"
    DIRECTIVE_PROJECT = "directive_project"
    DIRECTIVE_LEAD = "directive_lead"
    DIRECTIVE_COOPERATING = "directive_cooperating"
    DIRECTIVE_KIND = "directive_kind"
    DIRECTIVE_DUE = "directive_due"
    DIRECTIVE_TEXT = "directive_text"
    DIRECTIVE_REPORT_TEXT = "directive_report_text"
    DIRECTIVE_NOTE = "directive_note"
    DISCUSSION_PROJECT = "discussion_project"
    DISCUSSION_TOPIC = "discussion_topic"
    DISCUSSION_BACKGROUND = "discussion_background"
    DISCUSSION_OPTIONS = "discussion_options"
    DISCUSSION_ANONYMOUS = "discussion_anonymous"
    DISCUSSION_CLOSES_ON = "discussion_closes_on"
    DISCUSSION_CONCLUSION = "discussion_conclusion"
    DEPARTMENT = "department"


INPUT_ACTION = "value"


class Command(enum.StrEnum):
    """Slash commands of DESIGN.md; the manifest and the handlers both read this list."""

    PROJECT = "/project"
    PROGRESS = "/progress"
    APPROVAL = "/approval"
    DIRECTIVE = "/directive"
    DISCUSS = "/discuss"
    DIGEST = "/digest"
    REPORT = "/report"
