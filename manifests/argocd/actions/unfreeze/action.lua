-- Argo CD action "unfreeze" for sagemaker.mlops.dev/ModelDeployment: put back the approval
-- that "freeze" or "rollback" replaced, as remembered in the annotations
--   sagemaker.mlops.dev/previous-approval-policy   (required: it marks the object frozen)
--   sagemaker.mlops.dev/previous-pinned-version    (when the old approval had one)
-- and remove those annotations and sagemaker.mlops.dev/frozen-by.
-- Plain table code only (base, table, package: no string or math library in Argo CD).
local PREVIOUS_POLICY = "sagemaker.mlops.dev/previous-approval-policy"
local PREVIOUS_PINNED = "sagemaker.mlops.dev/previous-pinned-version"
local FROZEN_BY = "sagemaker.mlops.dev/frozen-by"

local annotations = obj.metadata.annotations
if annotations == nil or annotations[PREVIOUS_POLICY] == nil then
  error("unfreeze: not frozen (no annotation " .. PREVIOUS_POLICY .. ")", 0)
end

local pinned = nil
if annotations[PREVIOUS_PINNED] ~= nil then
  pinned = tonumber(annotations[PREVIOUS_PINNED])
  if pinned == nil or pinned < 1 or pinned % 1 ~= 0 then
    error("unfreeze: annotation " .. PREVIOUS_PINNED .. " is \"" .. annotations[PREVIOUS_PINNED]
      .. "\", not a version number", 0)
  end
end

if obj.spec.approval == nil then
  obj.spec.approval = {}
end
obj.spec.approval.policy = annotations[PREVIOUS_POLICY]
obj.spec.approval.pinnedVersion = pinned

annotations[PREVIOUS_POLICY] = nil
annotations[PREVIOUS_PINNED] = nil
annotations[FROZEN_BY] = nil
-- Leave no empty annotations map behind where freeze had to create one.
if next(annotations) == nil then
  obj.metadata.annotations = nil
end
return obj
