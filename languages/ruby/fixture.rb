# Parses and validates simple key=value configuration files.
module Config
  class ParseError < StandardError; end

  class Reader
    attr_reader :values

    def initialize(defaults = {})
      @values = defaults.dup
    end

    def load(text)
      text.each_line.with_index(1) do |line, number|
        line = line.strip
        next if line.empty? || line.start_with?('#')

        key, value = line.split('=', 2)
        raise ParseError, "line #{number}: missing '='" if value.nil?

        @values[key.strip] = coerce(value.strip)
      end
      self
    end

    def fetch(key, fallback = nil)
      @values.fetch(key) { fallback }
    end

    private

    def coerce(value)
      case value
      when 'true' then true
      when 'false' then false
      when /\A-?\d+\z/ then value.to_i
      else value
      end
    end
  end

  def self.missing_keys(values, required)
    missing = []
    required.each do |key|
      unless values.key?(key) && !values[key].to_s.empty?
        missing << key
      end
    end
    missing
  end
end
