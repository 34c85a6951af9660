-- Argo CD action "rollback" for sagemaker.mlops.dev/ModelDeployment: pin the previous
-- successful version, the newest status.history entry with outcome Succeeded whose version
-- differs from the live one (status.modelPackage.version).
-- Unless already frozen, it remembers the approval it replaces in the same annotations as
-- "freeze" (sagemaker.mlops.dev/previous-approval-policy and previous-pinned-version), so
-- "unfreeze" returns to it; after a freeze, the approval from before the freeze stays
-- remembered. sagemaker.mlops.dev/frozen-by becomes "rollback".
-- Plain table code only (base, table, package: no string or math library in Argo CD).
local PREVIOUS_POLICY = "sagemaker.mlops.dev/previous-approval-policy"
local PREVIOUS_PINNED = "sagemaker.mlops.dev/previous-pinned-version"
local FROZEN_BY = "sagemaker.mlops.dev/frozen-by"

local live = nil
local history = nil
if obj.status ~= nil then
  if obj.status.modelPackage ~= nil then
    live = obj.status.modelPackage.version
  end
  history = obj.status.history
end

local target = nil
if history ~= nil then
  for _, entry in ipairs(history) do
    if entry.outcome == "Succeeded" and entry.version ~= nil and entry.version ~= live then
      target = entry.version
      break
    end
  end
end
if target == nil then
  error("rollback: status.history has no Succeeded version other than the live one", 0)
end

if obj.spec.approval == nil then
  obj.spec.approval = {}
end
local approval = obj.spec.approval
if approval.policy == "Pinned" and approval.pinnedVersion == target then
  error("rollback: spec.approval already pins version " .. target, 0)
end

if obj.metadata.annotations == nil then
  obj.metadata.annotations = {}
end
local annotations = obj.metadata.annotations
if annotations[PREVIOUS_POLICY] == nil then
  if approval.policy == nil then
    annotations[PREVIOUS_POLICY] = "LatestApproved"
  else
    annotations[PREVIOUS_POLICY] = approval.policy
  end
  if approval.pinnedVersion ~= nil then
    annotations[PREVIOUS_PINNED] = tostring(approval.pinnedVersion)
  end
end
annotations[FROZEN_BY] = "rollback"

approval.policy = "Pinned"
approval.pinnedVersion = target
return obj
