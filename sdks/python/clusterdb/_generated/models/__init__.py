"""Contains all the data models used in inputs/outputs"""

from .abort_json import AbortJson
from .aggregation_name import AggregationName
from .alert_list import AlertList
from .alert_output import AlertOutput
from .alert_output_labels import AlertOutputLabels
from .alert_rule_input import AlertRuleInput
from .alert_rule_input_labels import AlertRuleInputLabels
from .alert_rule_input_tags import AlertRuleInputTags
from .alert_rule_output import AlertRuleOutput
from .alert_rule_output_labels import AlertRuleOutputLabels
from .api_key_input import ApiKeyInput
from .api_key_output import ApiKeyOutput
from .api_key_page import ApiKeyPage
from .attempt_output import AttemptOutput
from .check_request_json import CheckRequestJson
from .check_request_json_headers import CheckRequestJsonHeaders
from .check_request_json_labels import CheckRequestJsonLabels
from .condition_json import ConditionJson
from .decision_json import DecisionJson
from .delay_json import DelayJson
from .delivery_output import DeliveryOutput
from .delivery_page import DeliveryPage
from .destination_json import DestinationJson
from .dropped_sample import DroppedSample
from .duration_bucket import DurationBucket
from .error import Error
from .error_object import ErrorObject
from .error_object_details_type_0 import ErrorObjectDetailsType0
from .event_page import EventPage
from .fault_json import FaultJson
from .fleet_input import FleetInput
from .fleet_input_instance_type import FleetInputInstanceType
from .fleet_input_tags import FleetInputTags
from .fleet_output import FleetOutput
from .fleet_output_tags import FleetOutputTags
from .from_json import FromJson
from .function_input import FunctionInput
from .function_input_env import FunctionInputEnv
from .function_input_runtime import FunctionInputRuntime
from .function_input_tags import FunctionInputTags
from .function_output import FunctionOutput
from .function_output_env import FunctionOutputEnv
from .function_output_tags import FunctionOutputTags
from .function_stats_output import FunctionStatsOutput
from .group_input import GroupInput
from .group_input_tags import GroupInputTags
from .group_output import GroupOutput
from .http_match_json import HttpMatchJson
from .http_match_json_headers import HttpMatchJsonHeaders
from .http_match_json_query_params import HttpMatchJsonQueryParams
from .http_route_json import HttpRouteJson
from .instance_input import InstanceInput
from .instance_input_instance_type import InstanceInputInstanceType
from .instance_input_tags import InstanceInputTags
from .instance_output import InstanceOutput
from .instance_output_tags import InstanceOutputTags
from .invocation_output import InvocationOutput
from .list_alert_rules_response_200 import ListAlertRulesResponse200
from .list_alerts_state import ListAlertsState
from .list_fleets_response_200 import ListFleetsResponse200
from .list_functions_response_200 import ListFunctionsResponse200
from .list_groups_response_200 import ListGroupsResponse200
from .list_instances_response_200 import ListInstancesResponse200
from .list_o_auth_clients_response_200 import ListOAuthClientsResponse200
from .list_security_policies_response_200 import ListSecurityPoliciesResponse200
from .list_silences_response_200 import ListSilencesResponse200
from .list_users_response_200 import ListUsersResponse200
from .list_virtual_services_response_200 import ListVirtualServicesResponse200
from .list_webhooks_response_200 import ListWebhooksResponse200
from .matcher_json import MatcherJson
from .member_input import MemberInput
from .meta_output import MetaOutput
from .meta_output_tags import MetaOutputTags
from .metrics_output import MetricsOutput
from .new_api_key_output import NewApiKeyOutput
from .o_auth_client_input import OAuthClientInput
from .o_auth_client_input_scopes_item import OAuthClientInputScopesItem
from .o_auth_client_input_tags import OAuthClientInputTags
from .o_auth_client_output import OAuthClientOutput
from .oauth_token_body import OauthTokenBody
from .oauth_token_body_grant_type import OauthTokenBodyGrantType
from .oauth_token_response_200 import OauthTokenResponse200
from .oauth_token_response_200_token_type import OauthTokenResponse200TokenType
from .oauth_token_response_400 import OauthTokenResponse400
from .oauth_token_response_400_error import OauthTokenResponse400Error
from .oauth_token_response_401 import OauthTokenResponse401
from .oauth_token_response_401_error import OauthTokenResponse401Error
from .op_name import OpName
from .openapi_response_200 import OpenapiResponse200
from .operation_json import OperationJson
from .percent_json import PercentJson
from .permission_output import PermissionOutput
from .point_output import PointOutput
from .policy_action_name import PolicyActionName
from .policy_ref import PolicyRef
from .port_json import PortJson
from .push_output import PushOutput
from .redirect_json import RedirectJson
from .resolution_json import ResolutionJson
from .resource_ref import ResourceRef
from .retries_json import RetriesJson
from .rewrite_json import RewriteJson
from .role_name import RoleName
from .route_destination_json import RouteDestinationJson
from .route_request_json import RouteRequestJson
from .route_request_json_headers import RouteRequestJsonHeaders
from .rule_json import RuleJson
from .sample_json import SampleJson
from .sample_json_labels import SampleJsonLabels
from .secret_input import SecretInput
from .security_policy_input import SecurityPolicyInput
from .security_policy_input_tags import SecurityPolicyInputTags
from .security_policy_output import SecurityPolicyOutput
from .selector_json import SelectorJson
from .selector_json_match_labels import SelectorJsonMatchLabels
from .series_output import SeriesOutput
from .series_output_labels import SeriesOutputLabels
from .server_output import ServerOutput
from .severity_name import SeverityName
from .silence_input import SilenceInput
from .silence_input_tags import SilenceInputTags
from .silence_output import SilenceOutput
from .snapshot_events import SnapshotEvents
from .source_json import SourceJson
from .string_match_json_type_0 import StringMatchJsonType0
from .string_match_json_type_1 import StringMatchJsonType1
from .string_match_json_type_2 import StringMatchJsonType2
from .summary_output import SummaryOutput
from .test_output import TestOutput
from .to_json import ToJson
from .user_input import UserInput
from .user_input_tags import UserInputTags
from .user_output import UserOutput
from .user_status_name import UserStatusName
from .virtual_service_input import VirtualServiceInput
from .virtual_service_input_tags import VirtualServiceInputTags
from .virtual_service_output import VirtualServiceOutput
from .webhook_input import WebhookInput
from .webhook_input_tags import WebhookInputTags
from .webhook_output import WebhookOutput
from .weighted_destination import WeightedDestination
from .who_am_i_output import WhoAmIOutput
from .who_am_i_output_permissions import WhoAmIOutputPermissions

__all__ = (
    "AbortJson",
    "AggregationName",
    "AlertList",
    "AlertOutput",
    "AlertOutputLabels",
    "AlertRuleInput",
    "AlertRuleInputLabels",
    "AlertRuleInputTags",
    "AlertRuleOutput",
    "AlertRuleOutputLabels",
    "ApiKeyInput",
    "ApiKeyOutput",
    "ApiKeyPage",
    "AttemptOutput",
    "CheckRequestJson",
    "CheckRequestJsonHeaders",
    "CheckRequestJsonLabels",
    "ConditionJson",
    "DecisionJson",
    "DelayJson",
    "DeliveryOutput",
    "DeliveryPage",
    "DestinationJson",
    "DroppedSample",
    "DurationBucket",
    "Error",
    "ErrorObject",
    "ErrorObjectDetailsType0",
    "EventPage",
    "FaultJson",
    "FleetInput",
    "FleetInputInstanceType",
    "FleetInputTags",
    "FleetOutput",
    "FleetOutputTags",
    "FromJson",
    "FunctionInput",
    "FunctionInputEnv",
    "FunctionInputRuntime",
    "FunctionInputTags",
    "FunctionOutput",
    "FunctionOutputEnv",
    "FunctionOutputTags",
    "FunctionStatsOutput",
    "GroupInput",
    "GroupInputTags",
    "GroupOutput",
    "HttpMatchJson",
    "HttpMatchJsonHeaders",
    "HttpMatchJsonQueryParams",
    "HttpRouteJson",
    "InstanceInput",
    "InstanceInputInstanceType",
    "InstanceInputTags",
    "InstanceOutput",
    "InstanceOutputTags",
    "InvocationOutput",
    "ListAlertRulesResponse200",
    "ListAlertsState",
    "ListFleetsResponse200",
    "ListFunctionsResponse200",
    "ListGroupsResponse200",
    "ListInstancesResponse200",
    "ListOAuthClientsResponse200",
    "ListSecurityPoliciesResponse200",
    "ListSilencesResponse200",
    "ListUsersResponse200",
    "ListVirtualServicesResponse200",
    "ListWebhooksResponse200",
    "MatcherJson",
    "MemberInput",
    "MetaOutput",
    "MetaOutputTags",
    "MetricsOutput",
    "NewApiKeyOutput",
    "OAuthClientInput",
    "OAuthClientInputScopesItem",
    "OAuthClientInputTags",
    "OAuthClientOutput",
    "OauthTokenBody",
    "OauthTokenBodyGrantType",
    "OauthTokenResponse200",
    "OauthTokenResponse200TokenType",
    "OauthTokenResponse400",
    "OauthTokenResponse400Error",
    "OauthTokenResponse401",
    "OauthTokenResponse401Error",
    "OpName",
    "OpenapiResponse200",
    "OperationJson",
    "PercentJson",
    "PermissionOutput",
    "PointOutput",
    "PolicyActionName",
    "PolicyRef",
    "PortJson",
    "PushOutput",
    "RedirectJson",
    "ResolutionJson",
    "ResourceRef",
    "RetriesJson",
    "RewriteJson",
    "RoleName",
    "RouteDestinationJson",
    "RouteRequestJson",
    "RouteRequestJsonHeaders",
    "RuleJson",
    "SampleJson",
    "SampleJsonLabels",
    "SecretInput",
    "SecurityPolicyInput",
    "SecurityPolicyInputTags",
    "SecurityPolicyOutput",
    "SelectorJson",
    "SelectorJsonMatchLabels",
    "SeriesOutput",
    "SeriesOutputLabels",
    "ServerOutput",
    "SeverityName",
    "SilenceInput",
    "SilenceInputTags",
    "SilenceOutput",
    "SnapshotEvents",
    "SourceJson",
    "StringMatchJsonType0",
    "StringMatchJsonType1",
    "StringMatchJsonType2",
    "SummaryOutput",
    "TestOutput",
    "ToJson",
    "UserInput",
    "UserInputTags",
    "UserOutput",
    "UserStatusName",
    "VirtualServiceInput",
    "VirtualServiceInputTags",
    "VirtualServiceOutput",
    "WebhookInput",
    "WebhookInputTags",
    "WebhookOutput",
    "WeightedDestination",
    "WhoAmIOutput",
    "WhoAmIOutputPermissions",
)
