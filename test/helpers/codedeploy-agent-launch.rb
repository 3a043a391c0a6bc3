# Runs AWS's CodeDeploy agent in the foreground, as bin/codedeploy-agent's `start` does minus the
# gli wrapper and the fork into the background: ruby launch.rb AGENT_DIR CONFIG_FILE
agent_dir, config_file = ARGV
# Its vendored gems are plain folders here, not installed gems; its own lib/ comes first.
Dir.glob(File.join(agent_dir, 'vendor', 'gems', '*', 'lib')).each { |lib| $:.unshift lib }
$:.unshift File.join(agent_dir, 'lib')
require 'instance_agent'
InstanceAgent::Config.config(:config_file => config_file)
InstanceAgent::Platform.util = InstanceAgent::LinuxUtil
InstanceAgent::Config.load_config
InstanceAgent::Runner::Master.new.start
