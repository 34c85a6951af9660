-- Argo CD action "freeze" for sagemaker.mlops.dev/ModelDeployment: pin the version the
-- endpoint serves now, so later approvals in the registry do not reach it.
-- Sets spec.approval to Pinned at status.modelPackage.version and remembers the approval it
-- replaces in annotations, which "unfreeze" restores exactly:
--   sagemaker.mlops.dev/previous-approval-policy   the policy (LatestApproved, Pinned, ...)
--   sagemaker.mlops.dev/previous-pinned-version    its pinnedVersion, when it had one
--   sagemaker.mlops.dev/frozen-by                  "freeze" (or "rollback"): what pinned it
-- Plain table code only (base, table, package: no string or math library in Argo CD).
local PREVIOUS_POLICY = "sagemaker.mlops.dev/previous-approval-policy"
local PREVIOUS_PINNED = "sagemaker.mlops.dev/previous-pinned-version"
local FROZEN_BY = "sagemaker.mlops.dev/frozen-by"

if obj.metadata.annotations == nil then
  obj.metadata.annotations = {}
end
local annotations = obj.metadata.annotations
if annotations[PREVIOUS_POLICY] ~= nil then
  error("freeze: already frozen (annotation " .. PREVIOUS_POLICY .. " is set); unfreeze first", 0)
end

local live = nil
if obj.status ~= nil and obj.status.modelPackage ~= nil then
  live = obj.status.modelPackage.version
end
if live == nil then
  error("freeze: status.modelPackage.version is empty: the endpoint serves no version yet", 0)
end

if obj.spec.approval == nil then
  obj.spec.approval = {}
end
local approval = obj.spec.approval
if approval.policy == nil then
  annotations[PREVIOUS_POLICY] = "LatestApproved"
else
  annotations[PREVIOUS_POLICY] = approval.policy
end
if approval.pinnedVersion ~= nil then
  annotations[PREVIOUS_PINNED] = tostring(approval.pinnedVersion)
end
annotations[FROZEN_BY] = "freeze"

approval.policy = "Pinned"
approval.pinnedVersion = live
return obj
